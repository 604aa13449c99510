#!/bin/sh
# Container entrypoint: refuse to serve patient data with the development database passwords.
set -eu
case "${DATABASE_URL:-}" in
  *:atergang-dev@*|*:atergang-app-dev@*)
    if [ "${DJANGO_DEBUG:-0}" != "1" ]; then
      echo "Refusing to start: the database password is the development default." >&2
      echo "Set POSTGRES_PASSWORD and APP_DB_PASSWORD (see docs/operations.md)." >&2
      exit 1
    fi
    ;;
esac
exec "$@"
