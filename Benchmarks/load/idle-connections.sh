#!/usr/bin/env bash
# Memory with many keep-alive connections: the target is < 20 MiB RSS for
# 1,000 idle keep-alive connections to our server.
#
#   Benchmarks/load/idle-connections.sh [SERVER]      (default: http-echo)
#   SERVER: nginx node fastapi hummingbird http-echo vendo-webhooks vendo-handler
#
# Environment: CONNECTIONS (1000), HOLD (20 seconds), PING_INTERVAL (2 seconds:
# each connection sends a request about that often, so a server with a 5 s
# idle timeout keeps it; 0 = silent, only for a server started with a longer
# idle timeout), SERVER_ARGS (extra arguments for the server, e.g. an idle
# timeout flag once it has one), HTTP_ECHO_CMD / VENDO_WEBHOOKS_CMD / VENDO_HANDLER_CMD as in run.sh.
# Our server's default connection limit is 1,024: more than that needs
# SERVER_ARGS raising it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

server=${1:-http-echo}
CONNECTIONS=${CONNECTIONS:-1000}
HOLD=${HOLD:-20}
PING_INTERVAL=${PING_INTERVAL:-2}
read -r -a extra <<<"${SERVER_ARGS:-}"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((CONNECTIONS + 100)) ] || die "ulimit -n is $(ulimit -n): too low for $CONNECTIONS connections"

command=$(server_command "$server") || die "$server is not available here"
start_server "$server" "$command" "${extra[@]}" || die "$server did not start"
sleep 1 # let start-up allocations settle before the 'before' reading

echo "server: $server ($command ${extra[*]}), $(nproc) cores, $(uname -sr)"
echo "command: CONNECTIONS=$CONNECTIONS HOLD=$HOLD PING_INTERVAL=$PING_INTERVAL Benchmarks/load/idle-connections.sh $server"
python3 "$LOAD_DIR/idle_clients.py" --port "$SERVER_PORT" --pid "$SERVER_PID" \
    --connections "$CONNECTIONS" --hold "$HOLD" --ping-interval "$PING_INTERVAL" \
    --path "$(server_probe_path "$server")"
