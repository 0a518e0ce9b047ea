#!/usr/bin/env bash
# Creates the two databases of a crmhub deployment on one PostgreSQL server, each owned by its
# own login role: Airflow's metadata database and the hub store. The postgres image runs this
# once, when it initialises an empty data volume (/docker-entrypoint-initdb.d); to add the
# databases to an existing server, run it by hand with PGHOST/PGUSER pointing at the server.
# Passwords come from the environment and reach psql as variables, never inside the SQL text.
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?set AIRFLOW_DB_PASSWORD (docker/.env)}"
: "${CRMHUB_DB_PASSWORD:?set CRMHUB_DB_PASSWORD (docker/.env)}"
AIRFLOW_DB_USER="${AIRFLOW_DB_USER:-airflow}"
AIRFLOW_DB_NAME="${AIRFLOW_DB_NAME:-airflow}"
CRMHUB_DB_USER="${CRMHUB_DB_USER:-crmhub}"
CRMHUB_DB_NAME="${CRMHUB_DB_NAME:-crmhub}"

create_database() {
  local role="$1" password="$2" database="$3"
  psql -v ON_ERROR_STOP=1 --no-psqlrc \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v role="$role" -v password="$password" -v database="$database" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS create_role \gset
\if :create_role
  CREATE ROLE :"role" LOGIN PASSWORD :'password';
\else
  ALTER ROLE :"role" LOGIN PASSWORD :'password';
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'database') AS create_db \gset
\if :create_db
  CREATE DATABASE :"database" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
\endif
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT ALL ON DATABASE :"database" TO :"role";
SQL
  echo "database ${database} ready, owned by ${role}"
}

create_database "$AIRFLOW_DB_USER" "$AIRFLOW_DB_PASSWORD" "$AIRFLOW_DB_NAME"
create_database "$CRMHUB_DB_USER" "$CRMHUB_DB_PASSWORD" "$CRMHUB_DB_NAME"
