#!/bin/sh
# The safety console's own role and database, beside Rasa's (console/README.md).
#
# The postgres image runs this once, when its data volume is first initialised
# (/docker-entrypoint-initdb.d, from docker-compose.yml and the Kubernetes StatefulSet).
# On a volume made before the console was added, run it once by hand:
#   docker compose -f deploy/docker-compose.yml --env-file deploy/.env exec postgres \
#     /docker-entrypoint-initdb.d/console-db.sh
# The password comes from CONSOLE_DB_PASSWORD in the server's environment; the names
# from CONSOLE_DB_USER and CONSOLE_DB_NAME (both `console` by default). psql quotes
# them (%I, %L), so any character is safe. Running it again changes nothing.
set -eu
: "${CONSOLE_DB_PASSWORD:?CONSOLE_DB_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v role="${CONSOLE_DB_USER:-console}" -v db="${CONSOLE_DB_NAME:-console}" \
  -v password="$CONSOLE_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
