#!/usr/bin/env bash
# The database's own ceiling for Threadline's message write on this machine, with no Threadline in the
# way: pgbench (C, prepared statements) runs the statements PostgresThreadDriver.ThreadSlotTakeAsync and
# PostgresMessageDriver.MessageInsertAsync send for `POST /v1/threads/{id}/messages`, on Threadline's
# schema (src/Threadline/Storage/Postgres/Migrations) and 10,000 threads, in a throwaway cluster
# (tests/postgres/cluster.sh). It shows what any node design could get from PostgreSQL here:
#   per-request  the transaction as the node sends it, one statement per round trip, at several client counts
#   pipelined    the same transaction in one round trip (pgbench's pipeline mode)
#   batched      8 messages to 8 random threads in one pipelined transaction (a group commit's best case)
# Usage: bash bench/Postgres/ceiling.sh [seconds per case, default 15]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
dir=$(mktemp -d /tmp/threadline-ceiling.XXXXXX)
trap 'bash tests/postgres/cluster.sh stop "$dir" >/dev/null 2>&1 || true' EXIT
bash tests/postgres/cluster.sh start "$dir" >/dev/null
bin=$(cat "$dir/bin") port=$(cat "$dir/port")
psql() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql -c "CREATE DATABASE ceiling"
cat src/Threadline/Storage/Postgres/Migrations/*.sql | psql -d ceiling >/dev/null
psql -d ceiling -c "INSERT INTO threads (id, project_id, created_at, metadata)
                    SELECT 'thread_' || i, 'default', 0, '{}' FROM generate_series(1, 10000) i"

slot() { echo "UPDATE threads SET last_position = last_position + 1 WHERE id = 'thread_' || :$1 AND project_id = 'default' AND (NOT false OR (active_run_id IS NULL AND queued_runs = 0)) RETURNING last_position, queued_runs;"; }
insert() { echo "INSERT INTO messages (id, project_id, thread_id, position, created_at, status, incomplete_reason, completed_at, incomplete_at, role, content, assistant_id, run_id, attachments, metadata) VALUES ('msg_' || md5(random()::text), 'default', 'thread_' || :$1, 65536, 1, 'completed', NULL, 1, NULL, 'user', '[{\"type\":\"text\",\"text\":{\"value\":\"hello from the benchmark\",\"annotations\":[]}}]', NULL, NULL, NULL, '{}');"; }
{ echo '\set t random(1, 10000)'; echo 'BEGIN;'; slot t; insert t; echo 'COMMIT;'; } >"$dir/per-request.sql"
{ echo '\set t random(1, 10000)'; echo '\startpipeline'; echo 'BEGIN;'; slot t; insert t; echo 'COMMIT;'; echo '\endpipeline'; } >"$dir/pipelined.sql"
{ for i in 1 2 3 4 5 6 7 8; do echo "\\set t$i random(1, 10000)"; done
  echo '\startpipeline'; echo 'BEGIN;'; for i in 1 2 3 4 5 6 7 8; do slot "t$i"; insert "t$i"; done; echo 'COMMIT;'; echo '\endpipeline'; } >"$dir/batched.sql"

run() { # case clients messages-per-transaction
  local tps
  tps=$("$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -c "$2" -j 2 -T "$seconds" -f "$dir/$1.sql" ceiling 2>&1 \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  printf '%-12s %4s clients  %8.0f messages/s\n' "$1" "$2" "$(awk -v t="${tps:-0}" -v n="$3" 'BEGIN { print t * n }')"
}
for clients in 4 16 64 192; do run per-request "$clients" 1; done
for clients in 16 64; do run pipelined "$clients" 1; done
for clients in 2 8; do run batched "$clients" 8; done
