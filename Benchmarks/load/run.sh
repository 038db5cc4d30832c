#!/usr/bin/env bash
# Load benchmark: every server under test, the same jobs, one run, one table.
#
#   Benchmarks/load/run.sh [all | SERVER...]
#   SERVER: nginx node fastapi hummingbird http-echo vendo-webhooks vendo-handler
#
# Jobs (wrk, keep-alive, on 127.0.0.1 only):
#   get      GET /  -> fixed small 200
#   post     POST / with a 1 KiB body -> 200
#   webhook  signed 1 KiB deliveries POSTed to $WEBHOOK_PATH -> verified, parsed, 200
# Environment: DURATION (10s), WARMUP (2s; 0 to skip), CONNECTIONS ("64 256"),
# THREADS (2), JOBS ("get post webhook"), DELIVERIES (50000 distinct signed
# deliveries, each wrk thread cycling through its own share),
# HTTP_ECHO_CMD / VENDO_WEBHOOKS_CMD / VENDO_HANDLER_CMD (use these command
# lines instead of building the products), STATIC_STDLIB (1: the Swift
# servers link the Swift runtime statically, as the Docker image does; 0:
# shared), ROUNDS (1; with more, every
# server runs that many times, in reverse order every other round, and the
# report gives medians: drifting background load then hits every server
# alike), SCRATCH (.build-bench), KEEP_WORK=1
# (keep the temporary directory with every log), RESULTS_MD (also write the
# report to this file).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-64 256}
THREADS=${THREADS:-2}
JOBS=${JOBS:-get post webhook}
DELIVERIES=${DELIVERIES:-50000}
ROUNDS=${ROUNDS:-1}
ROUND=1

servers=("$@")
if [ ${#servers[@]} -eq 0 ] || [ "${servers[*]}" = all ]; then
    read -r -a servers <<<"$ALL_SERVERS"
fi
for s in "${servers[@]}"; do
    case " $ALL_SERVERS " in *" $s "*) ;; *) die "unknown server '$s' (known: $ALL_SERVERS)" ;; esac
done

ensure_wrk
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

RESULTS="$WORK/results.tsv"
META="$WORK/meta.txt"
: >"$RESULTS"
{
    echo "command=DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=\"$CONNECTIONS\" THREADS=$THREADS JOBS=\"$JOBS\" DELIVERIES=$DELIVERIES ROUNDS=$ROUNDS Benchmarks/load/run.sh ${servers[*]}"
    echo "rounds=$ROUNDS"
    echo "swift_link=${SWIFT_LINK_FLAGS[*]:-shared Swift runtime}"
    echo "wrk=wrk -t$THREADS -c<C> -d$DURATION --timeout 10s -s Benchmarks/load/wrk.lua http://127.0.0.1:<PORT><PATH>  (BENCH_JOB=get|post|webhook)"
    echo "nproc=$(nproc)"
    echo "kernel=$(uname -sr)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "wrk_version=$(wrk --version 2>&1 | head -1 | awk '{print $2}')"
} >"$META"

# run_wrk SERVER JOB CONNECTIONS DURATION [warmup]: one wrk run; a measured
# run (no "warmup") appends a row to $RESULTS.
run_wrk() {
    local server=$1 job=$2 conns=$3 duration=$4 warmup=${5:-} path="/"
    local tag="$server-$job-c$conns${warmup:+-warmup}"
    local env=(BENCH_JOB="$job")
    if [ "$job" = webhook ]; then
        path=$WEBHOOK_PATH
        # Fresh timestamps for every run: receivers reject deliveries older than 300 s.
        python3 "$LOAD_DIR/gen_deliveries.py" --count "$DELIVERIES" --secret "$BENCH_SECRET" \
            --out "$WORK/deliveries.txt"
        env+=(BENCH_PATH="$path" BENCH_DELIVERIES="$WORK/deliveries.txt" BENCH_THREADS="$THREADS")
    fi
    rm -f "$WORK/sampler.ready"
    python3 "$LOAD_DIR/rss_sampler.py" --pid "$SERVER_PID" --out "$WORK/$tag.rss" \
        --ready "$WORK/sampler.ready" &
    SAMPLER_PID=$!
    local _
    for _ in $(seq 100); do [ -e "$WORK/sampler.ready" ] && break; sleep 0.1; done
    env "${env[@]}" wrk -t"$THREADS" -c"$conns" -d"$duration" --timeout 10s -s "$LOAD_DIR/wrk.lua" \
        "http://127.0.0.1:$SERVER_PORT$path" >"$WORK/$tag.wrk" 2>&1 || true
    kill -TERM "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    local result rss
    result=$(grep -m1 '^RESULT ' "$WORK/$tag.wrk" || echo "RESULT failed=wrk")
    rss=$(cat "$WORK/$tag.rss" 2>/dev/null || echo "peak_kib=0")
    [ -z "$warmup" ] || return 0
    printf '%s\t%s\t%s\t%s %s round=%s\n' "$server" "$job" "$conns" "$result" "$rss" "$ROUND" >>"$RESULTS"
    log "$tag: $(echo "$result" | grep -o 'rps=[^ ]*') $(echo "$result" | grep -o 'p99_us=[^ ]*') $rss"
}

run_server() {
    local server=$1 command job conns verify
    command=$(server_command "$server") || {
        printf '%s\t-\t-\tRESULT failed=not-available\n' "$server" >>"$RESULTS"
        return 0
    }
    start_server "$server" "$command" || {
        printf '%s\t-\t-\tRESULT failed=did-not-start\n' "$server" >>"$RESULTS"
        return 0
    }
    [ "$ROUND" != 1 ] || echo "rss_start_kib_$server=$(server_rss_kib)" >>"$META"
    for job in $JOBS; do
        case " $(server_jobs "$server") " in *" $job "*) ;; *) continue ;; esac
        verify=()
        [ "$server" != nginx ] || verify=(--no-verify)
        if ! python3 "$LOAD_DIR/probe.py" check --port "$SERVER_PORT" --job "$job" --path "$WEBHOOK_PATH" \
            --secret "$BENCH_SECRET" "${verify[@]}"; then
            printf '%s\t%s\t-\tRESULT failed=check\n' "$server" "$job" >>"$RESULTS"
            continue
        fi
        if [ "$WARMUP" != 0 ]; then
            run_wrk "$server" "$job" 64 "$WARMUP" warmup
        fi
        for conns in $CONNECTIONS; do
            run_wrk "$server" "$job" "$conns" "$DURATION"
        done
    done
    stop_server
}

for ROUND in $(seq "$ROUNDS"); do
    [ "$ROUNDS" = 1 ] || log "round $ROUND of $ROUNDS"
    if [ $((ROUND % 2)) = 1 ]; then
        for server in "${servers[@]}"; do run_server "$server"; done
    else
        for ((i = ${#servers[@]} - 1; i >= 0; i--)); do run_server "${servers[$i]}"; done
    fi
done

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"
python3 "$LOAD_DIR/report.py" --results "$RESULTS" --meta "$META" | tee "${RESULTS_MD:-/dev/null}"
