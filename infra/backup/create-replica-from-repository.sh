#!/bin/bash
# Patroni's create_replica_methods "pgbackrest" (render/pgbackrest-config.ts): builds a new or
# re-initialised replica from the backup repository instead of copying the primary, when that is
# faster. Runs as postgres. Patroni appends --scope --role --datadir --connstring (the leader's
# replication connection; PGPASSFILE holds its password).
#
# Faster means: the WAL to replay since the newest backup is smaller than the database itself (a
# pg_basebackup copies the whole database from the primary, loading it; a restore copies from the
# repository host and replays that WAL). Otherwise, or when the repository has no backup, exit 1:
# Patroni goes on to the next method, basebackup.
set -uo pipefail
config='' stanza='' datadir='' connstring=''
for arg in "$@"; do
  case "$arg" in
    --config=*) config=${arg#*=} ;;
    --stanza=*) stanza=${arg#*=} ;;
    --datadir=*) datadir=${arg#*=} ;;
    --connstring=*) connstring=${arg#*=} ;;
  esac
done
say() { echo "create-replica-from-repository: $*" >&2; }
[ -n "$config" ] && [ -n "$stanza" ] && [ -n "$datadir" ] || { say "needs --config, --stanza and --datadir"; exit 2; }
PGBR=(/usr/bin/pgbackrest "--config=$config" "--stanza=$stanza")
PSQL=/usr/lib/postgresql/15/bin/psql

info=$("${PGBR[@]}" --output=json info 2>&1) || { say "repository unreadable, using basebackup: $info"; exit 1; }
read -r label stop_lsn db_size < <(printf '%s' "$info" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)[0]
good = [b for b in s.get("backup", []) if not b.get("error")]
if good:
    b = good[-1]
    print(b["label"], b["lsn"]["stop"], b["info"]["size"])
else:
    print("- - -")
')
if [ "$label" = "-" ] || [ -z "$label" ]; then
  say "no backup in the repository yet: using basebackup"
  exit 1
fi

if [ -n "$connstring" ]; then
  # Bytes of WAL written since the backup ended, and the size of the database now.
  read -r replay size_now < <("$PSQL" -X -At -F ' ' "$connstring dbname=postgres connect_timeout=5" -c \
    "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$stop_lsn')::bigint, (select sum(pg_database_size(oid)) from pg_database)::bigint" 2>/dev/null)
  if [ -z "${replay:-}" ]; then
    say "cannot ask the leader how much WAL was written since backup $label: using basebackup"
    exit 1
  fi
  if [ "$replay" -gt "$size_now" ]; then
    say "backup $label is $replay bytes of WAL behind, more than the database ($size_now bytes): basebackup is faster"
    exit 1
  fi
  say "restoring backup $label from the repository ($replay bytes of WAL to replay, database $size_now bytes)"
else
  say "no leader to copy from: restoring backup $label from the repository"
fi

mkdir -p "$datadir" && chmod 700 "$datadir"
delta=()
if [ -f "$datadir/PG_VERSION" ]; then
  delta=(--delta)          # re-initialisation: keep the files that are still right
elif [ -n "$(ls -A "$datadir")" ]; then
  find "$datadir" -mindepth 1 -delete
fi
# standby: pgBackRest writes standby.signal; Patroni adds primary_conninfo when it starts the node.
exec "${PGBR[@]}" "${delta[@]}" --type=standby --target-timeline=latest --log-level-console=info restore
