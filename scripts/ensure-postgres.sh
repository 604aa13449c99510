#!/usr/bin/env bash
# Makes sure the PostgreSQL the app will use is reachable, with the app's role and database.
#
#   1. DATABASE_URL given by the caller: use it as it is (migrate will say if it is wrong).
#   2. Otherwise a local server on 127.0.0.1:5432: start an installed but stopped Debian cluster,
#      or install PostgreSQL when running as root; then create the role (with a password and
#      CREATEDB, which the test runner needs) and the database, idempotently.
#   3. Otherwise stop with a message that says how to start one.
set -euo pipefail

if [ "${DATABASE_URL_GIVEN:-0}" = "1" ]; then
  echo "PostgreSQL: using DATABASE_URL from the environment."
  exit 0
fi

DB_HOST=127.0.0.1
DB_PORT=5432
DB_NAME=${APP_DB_NAME:?}
DB_USER=${APP_DB_USER:?}
DB_PASSWORD=${APP_DB_PASSWORD:?}
is_root() { [ "$(id -u)" = "0" ]; }

is_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$DB_HOST" -p "$DB_PORT"
  else
    (exec 3<>"/dev/tcp/$DB_HOST/$DB_PORT") 2>/dev/null
  fi
}

start_debian_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  local line
  line=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$DB_PORT" '$3 == port {print $1, $2; exit}')
  [ -n "$line" ] || line=$(pg_lsclusters --no-header 2>/dev/null | awk '{print $1, $2; exit}')
  [ -n "$line" ] || return 1
  # shellcheck disable=SC2086
  set -- $line
  echo "PostgreSQL: starting cluster $1/$2."
  if is_root; then
    pg_ctlcluster --skip-systemctl-redirect "$1" "$2" start || true
  else
    pg_ctlcluster "$1" "$2" start || true
  fi
}

install_postgres() {
  is_root && command -v apt-get >/dev/null 2>&1 || return 1
  echo "PostgreSQL: not installed; installing Debian's postgresql package."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q postgresql >/dev/null
}

wait_up() {
  for _ in $(seq 1 30); do is_up && return 0; sleep 1; done
  return 1
}

if ! is_up; then
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    install_postgres || true
  fi
  start_debian_cluster || true
  wait_up || true
fi

if ! is_up; then
  cat >&2 <<MSG
No PostgreSQL is reachable on $DB_HOST:$DB_PORT, and none could be started here.
Start one, for example with Docker:   docker compose up -d db
or point the app at an existing server: DATABASE_URL=postgres://user:password@host:5432/dbname make ...
MSG
  exit 1
fi

# Administer as the postgres superuser: over the local socket when we are root, else over TCP
# when the server trusts local connections.
admin_psql() {
  if is_root && id postgres >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@")
  else
    psql -X -q -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$DB_PORT" -U postgres -w "$@"
  fi
}

if admin_psql -d postgres -c "select 1" >/dev/null 2>&1; then
  admin_psql -d postgres -v user="$DB_USER" -v password="$DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SQL
  admin_psql -d postgres -v user="$DB_USER" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  echo "PostgreSQL: role '$DB_USER' and database '$DB_NAME' ready on $DB_HOST:$DB_PORT."
elif PGPASSWORD="$DB_PASSWORD" psql -X -q -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -w -c "select 1" >/dev/null 2>&1; then
  echo "PostgreSQL: role '$DB_USER' and database '$DB_NAME' reachable on $DB_HOST:$DB_PORT."
else
  cat >&2 <<MSG
PostgreSQL runs on $DB_HOST:$DB_PORT, but the role '$DB_USER' or database '$DB_NAME' is missing and
this user cannot create them. As a database superuser, run:
  CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '...';
  CREATE DATABASE $DB_NAME OWNER $DB_USER;
or set DATABASE_URL to a database you can use.
MSG
  exit 1
fi
