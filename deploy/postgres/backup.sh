#!/bin/sh
# The `backup` service: makes sure the stanza exists, takes a base backup at once if there is
# none, then one every night at BACKUP_AT (a full one on BACKUP_FULL_WEEKDAY, 1-7 = Monday-Sunday,
# a differential otherwise). pgBackRest expires old backups and WAL by the retention setting after
# each backup. WAL is archived continuously by the database itself (archive_command), so any
# moment since the oldest kept backup can be restored.
#
#   atergang-backup            run as the service does
#   atergang-backup --once     make sure of the stanza and take one backup now, then exit
#   atergang-backup --check    health check: archiving works and the newest backup is recent
set -eu

STANZA=${PGBACKREST_STANZA:-atergang}
BACKUP_AT=${BACKUP_AT:-01:30}
BACKUP_FULL_WEEKDAY=${BACKUP_FULL_WEEKDAY:-7}
BACKUP_MAX_AGE_HOURS=${BACKUP_MAX_AGE_HOURS:-30}

newest_backup_epoch() {
  # The stop time of the newest backup, in seconds since 1970 (0 if there is none).
  pgbackrest --stanza="$STANZA" --output=json info \
    | tr ',{}' '\n\n\n' | sed -n 's/.*"stop":\([0-9][0-9]*\).*/\1/p' | sort -n | tail -1 | grep . || echo 0
}

backup() {
  pgbackrest --stanza="$STANZA" --type="$1" backup
}

if [ "${PGBACKREST_REPO1_CIPHER_PASS:-}" = "atergang-backup-dev" ] && [ "${BACKUP_ALLOW_DEV_KEY:-0}" != "1" ]; then
  echo "Refusing to back up with the development encryption key: set BACKUP_CIPHER_PASS." >&2
  exit 1
fi

case "${1:-}" in
  --check)
    pgbackrest --stanza="$STANZA" check
    age=$(( $(date +%s) - $(newest_backup_epoch) ))
    if [ "$age" -gt $(( BACKUP_MAX_AGE_HOURS * 3600 )) ]; then
      echo "The newest backup is $(( age / 3600 )) hours old." >&2
      exit 1
    fi
    exit 0
    ;;
esac

# stanza-create is safe to repeat; it waits for the database to accept connections first.
until pg_isready -q; do sleep 2; done
pgbackrest --stanza="$STANZA" stanza-create

if [ "$(newest_backup_epoch)" = "0" ] || [ "${1:-}" = "--once" ]; then
  backup full
fi
[ "${1:-}" = "--once" ] && exit 0

while true; do
  now=$(date +%s)
  next=$(date -d "today $BACKUP_AT" +%s)
  [ "$next" -le "$now" ] && next=$(date -d "tomorrow $BACKUP_AT" +%s)
  sleep $(( next - now ))
  if [ "$(date +%u)" = "$BACKUP_FULL_WEEKDAY" ]; then backup full; else backup diff; fi \
    || echo "The backup failed; the next one is tomorrow. See the log above." >&2
done
