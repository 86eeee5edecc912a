#!/usr/bin/env bash
# Restore a dump written by scripts/backup.sh into an EMPTY database (created here if it does not exist).
#
#   scripts/restore.sh DUMP_FILE DATABASE_URL [--keep-privileges]
#
# Without --keep-privileges, objects belong to the user of DATABASE_URL and carry no grants: run the
# database-roles script afterwards (docs/database-roles.md). --keep-privileges restores the owners and
# grants of the dump, for a server where the same roles exist.
# Refuses a database that already holds tables, and a dump whose .sha256 (when present) does not match.
# Restores in one transaction: either everything or nothing. Afterwards run, with the same keys folder
# (CANCUOC_KEYS_DIR) as the backed-up system:  DATABASE_URL=... cancuoc audit verify
set -euo pipefail

usage() { echo "usage: $0 DUMP_FILE DATABASE_URL [--keep-privileges]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
dump=$1
url=$2
ownership=(--no-owner --no-privileges)
if [ $# -eq 3 ]; then
  [ "$3" = --keep-privileges ] || usage
  ownership=()
fi
[ -f "$dump" ] || { echo "restore: $dump not found" >&2; exit 1; }
if [ -f "$dump.sha256" ]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256") \
    || { echo "restore: $dump does not match its checksum" >&2; exit 1; }
fi

# Create the database if it is missing: connect to the server's "postgres" database for that.
name=${url##*/}
name=${name%%\?*}
server_url=${url%/*}/postgres
if ! psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
  psql "$server_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\"" >/dev/null
fi
tables=$(psql "$url" -Atqc "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore: $name is not empty ($tables tables); restore only into an empty database" >&2
  exit 1
fi
pg_restore --exit-on-error --single-transaction "${ownership[@]}" --dbname="$url" "$dump"
echo "restored $dump into $name"
