#!/bin/bash
# Patroni's custom bootstrap (bootstrap.method: pgbackrest, set by `npm run up` when
# TQDT_BOOTSTRAP_FROM_BACKUP is given, e.g. by `backup-command.ts rebuild`): the first node of a new
# cluster restores its data folder from the repository instead of running initdb. Runs as postgres.
# Patroni appends --scope --datadir and the method's keys: --restore_type (default | time | xid |
# lsn | immediate), --restore_target, --restore_exclusive=y, --restore_set.
#
# pgBackRest writes recovery.signal and the recovery settings (restore_command, the target,
# recovery_target_action=promote); Patroni keeps them (keep_existing_recovery_conf), starts
# PostgreSQL, which replays the archived WAL up to the target and promotes on a new timeline.
set -uo pipefail
config='' stanza='' datadir='' type=default target='' exclusive='' set=''
for arg in "$@"; do
  case "$arg" in
    --config=*) config=${arg#*=} ;;
    --stanza=*) stanza=${arg#*=} ;;
    --datadir=*) datadir=${arg#*=} ;;
    --restore_type=*) type=${arg#*=} ;;
    --restore_target=*) target=${arg#*=} ;;
    --restore_exclusive=*) exclusive=${arg#*=} ;;
    --restore_set=*) set=${arg#*=} ;;
  esac
done
say() { echo "bootstrap-from-repository: $*" >&2; }
[ -n "$config" ] && [ -n "$stanza" ] && [ -n "$datadir" ] || { say "needs --config, --stanza and --datadir"; exit 2; }

args=("--type=$type")
case "$type" in
  default) ;;                                  # every archived WAL: the latest state
  immediate) args+=(--target-action=promote) ;; # the end of the backup only
  time|xid|lsn)
    [ -n "$target" ] || { say "--restore_type=$type needs --restore_target"; exit 2; }
    args+=("--target=$target" --target-action=promote)
    [ "$exclusive" = y ] && args+=(--target-exclusive)
    ;;
  *) say "unknown --restore_type=$type"; exit 2 ;;
esac
[ -n "$set" ] && args+=("--set=$set")

mkdir -p "$datadir" && chmod 700 "$datadir"
if [ -f "$datadir/PG_VERSION" ]; then
  args+=(--delta)
elif [ -n "$(ls -A "$datadir")" ]; then
  say "$datadir is not empty and holds no cluster: refusing to restore over it"
  exit 1
fi
say "restoring into $datadir: pgbackrest ${args[*]} restore"
exec /usr/bin/pgbackrest "--config=$config" "--stanza=$stanza" "${args[@]}" --log-level-console=info restore
