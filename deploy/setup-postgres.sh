#!/bin/sh
# The database the Prefect server keeps its state in: a role and a database, both named `prefect`.
# Run it on the PostgreSQL host, as root (it runs psql as the `postgres` user) or as the cluster's superuser.
# Idempotent: run again, it sets the password anew and leaves the rest alone.
#
#   PREFECT_DB_PASSWORD=… ./setup-postgres.sh           # Debian's cluster on this host (apt-get install postgresql)
#
# PGHOST / PGPORT choose another local cluster (tests/e2e/test_postgres.py points them at its own).
# Needs psql 15 or newer (\getenv: the password never appears on a command line).
set -eu
cd /                                  # psql as `postgres` may not enter the caller's directory
: "${PREFECT_DB_PASSWORD:?set PREFECT_DB_PASSWORD to the password the Prefect server will use}"
export PREFECT_DB_PASSWORD
export PREFECT_DB_USER="${PREFECT_DB_USER:-prefect}" PREFECT_DB_NAME="${PREFECT_DB_NAME:-prefect}"

if [ "$(id -u)" = 0 ]; then
    as_superuser="runuser -u postgres --"      # keeps the environment: PGHOST, PGPORT and the password
else
    as_superuser=""
fi

$as_superuser psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
\getenv db_user PREFECT_DB_USER
\getenv db_name PREFECT_DB_NAME
\getenv db_password PREFECT_DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'db_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'db_user', :'db_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db_name', :'db_user', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name') \gexec
SQL
echo "setup-postgres: role and database ${PREFECT_DB_USER}/${PREFECT_DB_NAME} ready"
