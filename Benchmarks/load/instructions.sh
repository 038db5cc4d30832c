#!/usr/bin/env bash
# Instructions per signed delivery in the vendo-webhooks process, counted by
# valgrind (callgrind): deterministic where wrk's requests/s on a shared
# machine are not, so it shows a change of a few percent in one run.
#
#   Benchmarks/load/instructions.sh [BINARY]
#
# Runs the endpoint under valgrind twice, sending FEW (500) and then MANY
# (2500) distinct deliveries one after another over one keep-alive
# connection, and prints (Ir(MANY) - Ir(FEW)) / (MANY - FEW): start-up and
# shutdown cancel out. BINARY defaults to a static release build in
# .build-bench; a copy without debug sections is what runs (valgrind 3.19
# cannot read Swift's DWARF 5). KEEP=DIR keeps both callgrind files there for
# callgrind_annotate. Needs valgrind (apt-get install valgrind).
# Caveat: valgrind's CPU has no SHA extensions, so libcrypto's SHA-256 runs
# its generic code here (~33k of the total); compare totals between builds,
# not with the real machine.
set -euo pipefail
LOAD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LOAD_DIR/../.." && pwd)
FEW=${FEW:-500}
MANY=${MANY:-2500}
SECRET=whsec_benchmark_only_0123456789abcdef
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
BINARY=${1:-}
if [ -z "$BINARY" ]; then
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --scratch-path .build-bench --product vendo-webhooks >&2)
    BINARY="$ROOT/.build-bench/release/vendo-webhooks"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
strip --strip-debug -o "$WORK/vendo-webhooks" "$BINARY"
python3 "$LOAD_DIR/gen_deliveries.py" --count "$MANY" --secret "$SECRET" --out "$WORK/deliveries.txt"

count() {  # count N: total Ir of a run that serves N deliveries
    local n=$1
    VENDO_WEBHOOK_SECRET=$SECRET valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$n" \
        "$WORK/vendo-webhooks" serve --host 127.0.0.1 --port 0 >"$WORK/out.$n" 2>"$WORK/err.$n" &
    local pid=$! _
    for _ in $(seq 600); do grep -q '^listening on' "$WORK/out.$n" 2>/dev/null && break; sleep 0.1; done
    local port
    port=$(sed -n 's/^listening on http:\/\/[^:]*:\([0-9]*\)$/\1/p' "$WORK/out.$n")
    [ -n "$port" ] || { cat "$WORK/err.$n" >&2; echo "instructions.sh: the server did not start" >&2; exit 1; }
    local ok
    ok=$(python3 "$LOAD_DIR/send_deliveries.py" --port "$port" --deliveries "$WORK/deliveries.txt" --count "$n")
    kill -TERM "$pid"
    wait "$pid" || true
    [ "$ok" = "$n" ] || { echo "instructions.sh: only $ok of $n deliveries were answered 200" >&2; exit 1; }
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$WORK/cg.$n" "$KEEP/"; fi
    awk '/^summary:/ {print $2; exit}' "$WORK/cg.$n"
}

few=$(count "$FEW")
many=$(count "$MANY")
echo "instructions per delivery: $(( (many - few) / (MANY - FEW) ))  ($FEW and $MANY deliveries, $(basename "$BINARY"))"
echo "command: Benchmarks/load/instructions.sh${1:+ $1}"
