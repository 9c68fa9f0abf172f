#!/bin/sh
# berth-redis-restore: reads an RDB snapshot on stdin and makes it the data of the Redis volume
# at /var/lib/redis/data. The add-on runs with --appendonly yes, and Redis 7 then ignores a
# dump.rdb that has no AOF beside it (starts empty), so the snapshot is loaded into a private
# Redis (no TCP port, a socket in /tmp), which rewrites a base AOF from memory (CONFIG SET
# appendonly yes). Everything happens in a staging folder first: the volume's own files are
# replaced only once the snapshot loaded (its CRC checked by Redis) and the AOF is written, so
# a bad snapshot leaves the data as it was. Prints the restored INFO keyspace lines and DBSIZE.
# Fixed: nothing in it comes from a user. Berth runs it in a one-off with no network.
set -eu
umask 077
DATA=/var/lib/redis/data
STAGE="$DATA/.berth-restore"
SOCK=/tmp/berth-restore.sock
LOG=/tmp/berth-restore.log
PID=

cleanup() {
  if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null || true; fi
  rm -rf "$STAGE"
}
trap cleanup EXIT

fail() {
  echo "berth-redis-restore: $1" >&2
  # Redis's own reason: its errors (" # ", less the start-up WARNINGs), else the end of its log.
  if [ -f "$LOG" ] && grep ' # ' "$LOG" | grep -qv ' # WARNING'; then
    grep ' # ' "$LOG" | grep -v ' # WARNING' | sed 's/^.* # //' | tail -n 2 >&2
  elif [ -f "$LOG" ]; then
    tail -n 5 "$LOG" >&2
  fi
  exit 1
}

cli() { redis-cli -s "$SOCK" "$@"; }

alive() { kill -0 "$PID" 2>/dev/null; }

rm -rf "$STAGE" "$LOG"
mkdir "$STAGE"
cat > "$STAGE/dump.rdb"
[ -s "$STAGE/dump.rdb" ] || fail 'the snapshot is empty (0 bytes)'

# --save '': no RDB written on SHUTDOWN; the AOF (base RDB + empty increment) is what counts.
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$STAGE" --dbfilename dump.rdb \
  --appendonly no --save '' --logfile "$LOG" --daemonize no >>"$LOG" 2>&1 &
PID=$!

# Loading checks the snapshot (its CRC64 too); a damaged one makes Redis exit.
until [ "$(cli PING 2>/dev/null || true)" = PONG ]; do
  alive || fail 'Redis could not load the snapshot'
  sleep 0.1
done

[ "$(cli CONFIG SET appendonly yes)" = OK ] || fail 'Redis refused to start writing its AOF'
while :; do
  alive || fail 'Redis stopped while it wrote the AOF'
  p=$(cli INFO persistence | tr -d '\r')
  case "$p" in
    *aof_rewrite_in_progress:0*) case "$p" in *aof_rewrite_scheduled:0*) break ;; esac ;;
  esac
  sleep 0.1
done
case "$p" in *aof_last_bgrewrite_status:ok*) ;; *) fail 'Redis could not write the AOF' ;; esac

cli INFO keyspace | tr -d '\r' | grep '^db' || true
echo "dbsize $(cli DBSIZE)"

# A plain SHUTDOWN: the AOF is flushed and fsynced (SHUTDOWN NOSAVE would not wait for it).
cli SHUTDOWN >/dev/null 2>&1 || true
code=0
wait "$PID" || code=$?
PID=
[ "$code" -eq 0 ] || fail "Redis exited with code $code on SHUTDOWN"
[ -f "$STAGE/appendonlydir/appendonly.aof.manifest" ] || fail 'Redis wrote no AOF manifest'

# The swap: the old files out of the way first, the new ones in (renames on one file system).
mkdir "$STAGE/old"
for f in appendonlydir dump.rdb; do
  if [ -e "$DATA/$f" ]; then mv "$DATA/$f" "$STAGE/old/$f"; fi
done
mv "$STAGE/appendonlydir" "$DATA/appendonlydir"
mv "$STAGE/dump.rdb" "$DATA/dump.rdb"
