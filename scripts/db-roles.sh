#!/usr/bin/env bash
# Create or update the PostgreSQL roles of cancuoc on one database (docs/database-roles.md).
#
#   scripts/db-roles.sh SUPERUSER_DATABASE_URL [--owner cancuoc_owner] [--app cancuoc_app]
#
# SUPERUSER_DATABASE_URL connects as a superuser (e.g. postgres) to the cancuoc database, which must exist.
# Run it before the first `cancuoc migrate` (run as the owner role) and again after every migration and
# every restore. Passwords are not set here: `sudo -u postgres psql -c '\password cancuoc_app'`.
set -euo pipefail

usage() { echo "usage: $0 SUPERUSER_DATABASE_URL [--owner NAME] [--app NAME]" >&2; exit 2; }
[ $# -ge 1 ] || usage
url=$1
shift
owner=cancuoc_owner
app=cancuoc_app
while [ $# -gt 0 ]; do
  case $1 in
    --owner) [ $# -ge 2 ] || usage; owner=$2; shift 2 ;;
    --app) [ $# -ge 2 ] || usage; app=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ "$owner" != "$app" ] || { echo "db-roles: the owner and the application must be different roles" >&2; exit 2; }
psql "$url" --quiet --no-psqlrc -v ON_ERROR_STOP=1 -v owner="$owner" -v app="$app" \
  -f "$(dirname "$0")/db-roles.sql" >/dev/null
echo "db-roles: $owner owns the database; $app may append to the audit log but not change it"
