#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite.
#
#   bash .ci/postgres.sh start   # prints postgresql+psycopg://...@127.0.0.1:PORT/postgres on stdout
#   bash .ci/postgres.sh stop    # stops the cluster and removes its data directory
#
# initdb refuses to run as root, so as root the cluster belongs to a dedicated system user
# (peermatch-pg, created on first use). It listens on 127.0.0.1 only, on a free port, with
# trust authentication (nothing else can reach it), and lives in a mktemp directory.
# Everything but the URL goes to standard error.
set -euo pipefail

PG_VERSION=15
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}
PG_USER=${PG_USER:-peermatch-pg}
REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${PEERMATCH_PG_STATE:-/tmp/peermatch-pg-$(printf '%s' "$REPO" | md5sum | cut -c1-12).state}

log() { echo "postgres.sh: $*" >&2; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

install_postgres() {
  if [ -x "$PG_BIN/initdb" ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL $PG_VERSION is not installed in $PG_BIN and we are not root to install it"
    return 1
  fi
  log "installing postgresql-$PG_VERSION with apt-get"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_VERSION") >&2
  # Debian's package creates and starts a default cluster; we do not use it.
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster "$PG_VERSION" main stop >/dev/null 2>&1 || true
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if [ -f "$STATE" ]; then
    log "a cluster from an earlier run is still registered in $STATE; stopping it first"
    stop
  fi
  install_postgres
  if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  local dir port data socket
  dir=$(mktemp -d /tmp/peermatch-pg.XXXXXX)
  data="$dir/data"
  socket="$dir/socket"
  mkdir -p "$socket"
  if [ "$(id -u)" = 0 ]; then
    chown -R "$PG_USER" "$dir"
  fi
  chmod 700 "$dir"
  port=$(free_port)
  printf 'DIR=%q\nPORT=%q\n' "$dir" "$port" >"$STATE"
  as_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; stop; return 1; }
  # Test settings: durability is not needed for a throwaway cluster, speed is.
  as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >&2 || { cat "$dir/server.log" >&2; stop; return 1; }
  local i
  for i in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$port" -q; then
      echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    sleep 0.5
  done
  log "server did not become ready; see $dir/server.log"
  stop
  return 1
}

stop() {
  if [ ! -f "$STATE" ]; then
    log "no cluster to stop"
    return 0
  fi
  local DIR="" PORT=""
  # shellcheck disable=SC1090
  . "$STATE"
  if [ -n "$DIR" ] && [ -d "$DIR/data" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$DIR" ] && [[ "$DIR" == /tmp/peermatch-pg.* ]]; then
    rm -rf "$DIR"
  fi
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
