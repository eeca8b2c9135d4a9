#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suites: `start DIR` prints an Npgsql connection
# string for it (trust authentication, 127.0.0.1 on a free port); `stop DIR` stops it and deletes DIR.
# For the failover tests, an outage: `pause DIR [immediate|fast]` stops the server and keeps its data,
# `restart DIR` starts it again on the same port; `freeze DIR` stops its processes (SIGSTOP: a server
# that hangs, as one whose host is gone), `thaw DIR` lets them go on. `createdb DIR` makes an empty
# database for one server and prints its connection string.
# Installs Debian's postgresql-15 when its binaries are missing. PostgreSQL refuses to run as root,
# so as root the cluster runs as an unprivileged user (the system's "postgres", else "nobody").
set -euo pipefail

find_bin() {
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

run_as() {
  if [ "$(id -u)" -eq 0 ]; then
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    su -s /bin/sh "$user" -c "$*"
  else
    sh -c "$*"
  fi
}

# Sized for several test servers at once; durability settings stay as in production (fsync on).
serve() {
  local dir=$1 bin port
  bin=$(cat "$dir/bin") port=$(cat "$dir/port")
  run_as "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
    -o \"-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=400 \
        -c shared_buffers=128MB -c fsync=on -c synchronous_commit=on\" start >'$dir/pg_ctl.log' 2>&1"
}

case "${1:-}" in
  start)
    dir=${2:?usage: cluster.sh start DIR}
    if ! bin=$(find_bin); then
      echo "installing postgresql-15 (Debian package)" >&2
      if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
      (DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq postgresql-15 >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive $apt_get update -qq >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq postgresql-15 >/dev/null 2>&1; }) >&2
      bin=$(find_bin)
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$dir"
    chmod 0777 "$dir"
    run_as "'$bin/initdb' -D '$dir/data' -U postgres -A trust -E UTF8 --no-locale >'$dir/initdb.log' 2>&1"
    echo "$bin" >"$dir/bin"
    echo "$port" >"$dir/port"
    serve "$dir"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    dir=${2:?usage: cluster.sh stop DIR}
    if [ -f "$dir/bin" ]; then
      # A frozen server would never see the stop.
      "$0" thaw "$dir" 2>/dev/null || true
      run_as "'$(cat "$dir/bin")/pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1" || true
    fi
    rm -rf "$dir"
    ;;
  pause)
    dir=${2:?usage: cluster.sh pause DIR [immediate|fast]}
    run_as "'$(cat "$dir/bin")/pg_ctl' -D '$dir/data' -m '${3:-immediate}' -w -t 60 stop >>'$dir/pg_ctl.log' 2>&1"
    ;;
  restart)
    dir=${2:?usage: cluster.sh restart DIR}
    serve "$dir"
    ;;
  freeze|thaw)
    dir=${2:?usage: cluster.sh freeze|thaw DIR}
    postmaster=$(head -1 "$dir/data/postmaster.pid")
    # Frozen, the postmaster first: stopped, it forks no new backend, so the children listed after it
    # are all of them (listed before, a backend forked in between went on serving). Thawed, it last.
    # A backend that exited meanwhile is not an error.
    children=$(pgrep -P "$postmaster" | tr '\n' ' ')
    if [ "$1" = freeze ]; then
      run_as "kill -STOP $postmaster"
      children=$(pgrep -P "$postmaster" | tr '\n' ' ')
      [ -z "$children" ] || run_as "kill -STOP $children 2>/dev/null || true"
    else
      [ -z "$children" ] || run_as "kill -CONT $children 2>/dev/null || true"
      run_as "kill -CONT $postmaster"
    fi
    ;;
  createdb)
    # A new empty database for one server of a test run: prints its connection string.
    dir=${2:?usage: cluster.sh createdb DIR}
    name="t_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    "$(cat "$dir/bin")/psql" -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE $name" >/dev/null
    echo "Host=127.0.0.1;Port=$(cat "$dir/port");Username=postgres;Database=$name"
    ;;
  *)
    echo "usage: cluster.sh start|stop|pause|restart|freeze|thaw|createdb DIR" >&2; exit 2 ;;
esac
