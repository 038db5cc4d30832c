# shellcheck shell=bash
# Shared by run.sh and idle-connections.sh: installing tools, building and
# starting the servers under test, and stopping everything on exit.
# Source it from bash with `set -euo pipefail` in force.

LOAD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LOAD_DIR/../.." && pwd)
PEERS="$ROOT/Benchmarks/peers"
HB_PACKAGE="$PEERS/hummingbird-peer"
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
# The Swift servers are built as they ship (the Dockerfile links the Swift
# runtime statically); STATIC_STDLIB=0 builds them against the shared runtime
# instead (about 3 MiB more RSS, a little slower).
STATIC_STDLIB=${STATIC_STDLIB:-1}
SWIFT_LINK_FLAGS=()
[ "$STATIC_STDLIB" = 0 ] || SWIFT_LINK_FLAGS=(--static-swift-stdlib)
# A benchmark-only secret; every server under test gets it through VENDO_WEBHOOK_SECRET.
BENCH_SECRET=${BENCH_SECRET:-whsec_benchmark_only_0123456789abcdef}
WEBHOOK_PATH=${WEBHOOK_PATH:-/webhooks/vendo}
START_TIMEOUT=${START_TIMEOUT:-60}
ALL_SERVERS="nginx node fastapi hummingbird http-echo vendo-webhooks vendo-handler"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vendo-load.XXXXXX")
SERVER_PID=""
SERVER_PORT=""
SAMPLER_PID=""

log() { printf '[load] %s\n' "$*" >&2; }
die() { printf '[load] error: %s\n' "$*" >&2; exit 1; }

# Stop a process group started with setsid: TERM, up to 5 s of grace, then KILL.
stop_group() {
    local pid=$1 _
    [ -n "$pid" ] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    # A server should drain and exit 0 on SIGTERM; say so when it did not.
    if [ "$status" != 0 ]; then
        log "warning: pid $pid exited with status $status after SIGTERM (crash or no graceful shutdown?); logs kept in $WORK"
        KEEP_WORK=1
    fi
}

stop_server() {
    stop_group "$SERVER_PID"
    SERVER_PID=""
    SERVER_PORT=""
}

cleanup() {
    local status=$?
    [ -z "$SAMPLER_PID" ] || kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    stop_server
    if [ "${KEEP_WORK:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- installing

apt_install() {
    [ "$(id -u)" = 0 ] || die "need $* but not root: install them with apt-get (Debian packages: $*)"
    if [ -z "${APT_UPDATED:-}" ]; then
        log "apt-get update"
        apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    # The image's policy-rc.d keeps nginx's package from starting a system-wide nginx.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_wrk() { command -v wrk >/dev/null || apt_install wrk; }
ensure_nginx() { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx; }
ensure_fastapi() {
    python3 -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null && return 0
    log "pip install fastapi uvicorn[standard]"
    python3 -m pip install -q --disable-pip-version-check fastapi 'uvicorn[standard]' >/dev/null
}

# ---------------------------------------------------------------- building

# Prints the command line that runs SERVER, building it first if needed.
# Returns 1 (after saying why) when the server cannot be had here.
server_command() {
    case $1 in
        nginx) ensure_nginx && { command -v nginx || echo /usr/sbin/nginx; } ;;
        node)
            command -v node >/dev/null || { log "node not found: skipping the Node peer"; return 1; }
            echo "node $PEERS/node/server.js --host 127.0.0.1 --port 0" ;;
        fastapi) ensure_fastapi && echo "python3 -m uvicorn" ;;
        hummingbird)
            log "building the Hummingbird peer (the first time takes several minutes)"
            swift build -c release "${SWIFT_LINK_FLAGS[@]}" --package-path "$HB_PACKAGE" \
                >"$WORK/build-hummingbird.log" 2>&1 || {
                log "Hummingbird peer failed to build, skipping it (log: $WORK/build-hummingbird.log)"
                tail -20 "$WORK/build-hummingbird.log" >&2
                KEEP_WORK=1
                return 1
            }
            echo "$HB_PACKAGE/.build/release/hb-peer --host 127.0.0.1 --port 0" ;;
        http-echo | vendo-webhooks | vendo-handler)
            # vendo-handler: the same endpoint through the library, with an
            # in-process Swift handler that runs for every delivery
            # (Benchmarks/load/handler-server).
            local override product args
            case $1 in
                http-echo) override=${HTTP_ECHO_CMD:-} product=http-echo args="" ;;
                vendo-webhooks) override=${VENDO_WEBHOOKS_CMD:-} product=vendo-webhooks args="serve " ;;
                vendo-handler) override=${VENDO_HANDLER_CMD:-} product=webhook-handler-server args="serve " ;;
            esac
            if [ -n "$override" ]; then
                echo "$override"
            else
                log "building $product (swift build -c release ${SWIFT_LINK_FLAGS[*]} --scratch-path $SCRATCH --product $product)"
                (cd "$ROOT" && swift build -c release "${SWIFT_LINK_FLAGS[@]}" --scratch-path "$SCRATCH" --product "$product") \
                    >"$WORK/build-$1.log" 2>&1 || {
                    log "$1 failed to build, skipping it (log: $WORK/build-$1.log)"
                    tail -20 "$WORK/build-$1.log" >&2
                    KEEP_WORK=1
                    return 1
                }
                echo "$SCRATCH/release/$product ${args}--host 127.0.0.1 --port 0"
            fi ;;
        *) die "unknown server '$1' (known: $ALL_SERVERS)" ;;
    esac
}

# Which jobs a server can do; the others are skipped for it.
server_jobs() {
    case $1 in
        http-echo) echo "get post" ;;
        vendo-webhooks | vendo-handler) echo "webhook" ;;
        *) echo "get post webhook" ;;
    esac
}

# The path probed to know a server is up.
server_probe_path() {
    case $1 in
        vendo-webhooks | vendo-handler) echo "/healthz" ;;
        *) echo "/" ;;
    esac
}

# ---------------------------------------------------------------- starting

# Wait for `listening on http://HOST:PORT` on the server's standard output.
read_listening_port() {
    local out=$1 pid=$2 line _
    for _ in $(seq $((START_TIMEOUT * 10))); do
        line=$(grep -m1 -o 'listening on http://[^ ]*' "$out" 2>/dev/null || true)
        if [ -n "$line" ]; then
            echo "${line##*:}"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# start_server NAME COMMAND [EXTRA_ARGS...]: sets SERVER_PID and SERVER_PORT.
# Every server runs in its own session (setsid) so that it and its workers
# can be stopped together. COMMAND is a command line split on spaces (so the
# paths in it must have none).
# shellcheck disable=SC2086
start_server() {
    local name=$1 command=$2
    shift 2
    local out="$WORK/$name.out" err="$WORK/$name.err"
    case $name in
        nginx)
            SERVER_PORT=$(python3 "$LOAD_DIR/probe.py" free-port)
            local dir="$WORK/nginx"
            mkdir -p "$dir"
            sed -e "s|@PORT@|$SERVER_PORT|g" -e "s|@DIR@|$dir|g" \
                "$PEERS/nginx/nginx.conf.template" >"$dir/nginx.conf"
            setsid $command -p "$dir" -c "$dir/nginx.conf" "$@" >"$out" 2>"$err" &
            SERVER_PID=$! ;;
        fastapi)
            SERVER_PORT=$(python3 "$LOAD_DIR/probe.py" free-port)
            VENDO_WEBHOOK_SECRET=$BENCH_SECRET setsid $command app:app --app-dir "$PEERS/fastapi" \
                --host 127.0.0.1 --port "$SERVER_PORT" --workers 2 --no-access-log --log-level warning \
                "$@" >"$out" 2>"$err" &
            SERVER_PID=$! ;;
        *)
            VENDO_WEBHOOK_SECRET=$BENCH_SECRET setsid $command "$@" >"$out" 2>"$err" &
            SERVER_PID=$!
            SERVER_PORT=$(read_listening_port "$out" "$SERVER_PID") || {
                if kill -0 "$SERVER_PID" 2>/dev/null; then
                    log "$name did not print 'listening on http://HOST:PORT' within ${START_TIMEOUT}s"
                else
                    log "$name exited before printing 'listening on http://HOST:PORT'; its output:"
                fi
                tail -5 "$out" >&2
                tail -20 "$err" >&2
                stop_server
                return 1
            } ;;
    esac
    python3 "$LOAD_DIR/probe.py" wait --port "$SERVER_PORT" --path "$(server_probe_path "$name")" \
        --timeout "$START_TIMEOUT" || { tail -20 "$err" >&2; stop_server; return 1; }
    log "$name is up on 127.0.0.1:$SERVER_PORT (pid $SERVER_PID)"
}

# Sum of VmRSS over the server's process tree right now, in KiB.
server_rss_kib() { python3 "$LOAD_DIR/rss_sampler.py" --pid "$SERVER_PID" --once; }
