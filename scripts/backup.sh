#!/usr/bin/env bash
# Back up cancuoc: the PostgreSQL database (pg_dump, custom format) and, separately, the secrets that the
# database must not hold (the keys folder, CANCUOC_KEYS_DIR, and the PKI keystore, CANCUOC_PKI_DIR or var/pki).
#
#   scripts/backup.sh DATABASE_URL OUT_DIR [--with-secrets SECRETS_OUT_DIR]
#
# Writes OUT_DIR/cancuoc-<UTC stamp>.dump and its .sha256. With --with-secrets, also writes
# SECRETS_OUT_DIR/cancuoc-secrets-<stamp>.tar (keys + pki) and its .sha256: store it apart from the
# database dumps (docs/deployment.md, "Backups"), since whoever holds both can forge and read everything.
# Files are created owner-only. Exit status non-zero on any failure.
set -euo pipefail
umask 077

usage() { echo "usage: $0 DATABASE_URL OUT_DIR [--with-secrets SECRETS_OUT_DIR]" >&2; exit 2; }
[ $# -ge 2 ] || usage
url=$1
out=$2
shift 2
secrets_out=""
while [ $# -gt 0 ]; do
  case $1 in
    --with-secrets) [ $# -ge 2 ] || usage; secrets_out=$2; shift 2 ;;
    *) usage ;;
  esac
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
dump="$out/cancuoc-$stamp.dump"
# The dump keeps owners and grants (docs/database-roles.md); restore.sh may leave them out.
pg_dump --format=custom --compress=6 --file="$dump.partial" "$url"
mv "$dump.partial" "$dump"
(cd "$out" && sha256sum "$(basename "$dump")" > "$(basename "$dump").sha256")
echo "$dump"

if [ -n "$secrets_out" ]; then
  var_dir=${CANCUOC_VAR_DIR:-var}
  keys_dir=${CANCUOC_KEYS_DIR:-$var_dir/keys}
  pki_dir=${CANCUOC_PKI_DIR:-$var_dir/pki}
  mkdir -p "$secrets_out"
  archive="$secrets_out/cancuoc-secrets-$stamp.tar"
  members=()
  [ -d "$keys_dir" ] && members+=(-C "$(dirname "$keys_dir")" "$(basename "$keys_dir")")
  [ -d "$pki_dir" ] && members+=(-C "$(dirname "$pki_dir")" "$(basename "$pki_dir")")
  if [ ${#members[@]} -eq 0 ]; then
    echo "backup: neither $keys_dir nor $pki_dir exists" >&2
    exit 1
  fi
  tar --create --file="$archive.partial" "${members[@]}"
  mv "$archive.partial" "$archive"
  (cd "$secrets_out" && sha256sum "$(basename "$archive")" > "$(basename "$archive").sha256")
  echo "$archive"
fi
