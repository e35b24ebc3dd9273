#!/bin/sh
# The safety console's own role and database, beside Rasa's (console/README.md).
#
# The postgres image runs this once, when its data volume is first initialised
# (/docker-entrypoint-initdb.d, from docker-compose.yml and the Kubernetes StatefulSet).
# On a volume made before the console was added, run it once by hand:
#   docker compose -f deploy/docker-compose.yml --env-file deploy/.env exec postgres \
#     /docker-entrypoint-initdb.d/console-db.sh
# The password comes from the file CONSOLE_DB_PASSWORD_FILE names (a Compose secret) or
# from CONSOLE_DB_PASSWORD in the server's environment (Kubernetes: the Secret), and
# reaches psql through its environment, never its arguments (ps shows those); the names
# from CONSOLE_DB_USER and CONSOLE_DB_NAME (both `console` by default). psql quotes
# them (%I, %L), so any character is safe. Running it again changes nothing.
set -eu
if [ -n "${CONSOLE_DB_PASSWORD_FILE:-}" ]; then
  if [ -n "${CONSOLE_DB_PASSWORD-}" ]; then
    echo "set CONSOLE_DB_PASSWORD or CONSOLE_DB_PASSWORD_FILE, not both" >&2
    exit 1
  fi
  CONSOLE_DB_PASSWORD=$(cat "$CONSOLE_DB_PASSWORD_FILE")
fi
: "${CONSOLE_DB_PASSWORD:?set CONSOLE_DB_PASSWORD or CONSOLE_DB_PASSWORD_FILE}"
export CONSOLE_DB_PASSWORD
psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v role="${CONSOLE_DB_USER:-console}" -v db="${CONSOLE_DB_NAME:-console}" <<'SQL'
\getenv password CONSOLE_DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
