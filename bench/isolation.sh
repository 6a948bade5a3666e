#!/usr/bin/env bash
# Isolation benchmark: the latency of small requests (DynamoDB GetItem on one table, SQS
# SendMessage, GET /_fogbank/health) alone, then beside each worst-case-but-legal request kind
# in turn and beside all of them at once (see bench/isolation.py for the requests and phases).
# Reports p50/p99/max of the small requests in every phase and their ratio to the phase alone.
#
# Starts `fogbank serve --in-memory --port 0` on 127.0.0.1 (a trap kills it, by pid, on any
# exit), checks at the end that it still answers its health endpoint, and fails if any request
# failed or the server died. Bounded: every phase lasts PHASE_SECONDS, the worst-case loops stop
# after MAX_HOSTILE requests, and every answer must come within 60 s.
#
# Environment (all optional):
#   PHASE_SECONDS=6     length of each phase
#   PROBE_INTERVAL_MS=10  pace of each probe kind (one request every N ms, one connection each)
#   MAX_HOSTILE=10000   cap on worst-case requests per kind and phase
#   KINDS="..."         a subset of the worst-case kinds (default: all; see isolation.py)
#   SCAN_ITEMS=6000     small items in the scanned table (about 1.2 MB)
#   SERVER_THREADS=2    fogbank --threads
#   BUILD_DIR=<repo>/build-bench                  where fogbank is built
#   FOGBANK_BIN=<BUILD_DIR>/emulator/main/fogbank use this binary (not rebuilt)
#   RESULTS=<BUILD_DIR>/isolation-results.md      the table is also written here
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

SERVER_THREADS="${SERVER_THREADS:-2}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
FOGBANK_BIN="${FOGBANK_BIN:-}"
RESULTS="${RESULTS:-$BUILD_DIR/isolation-results.md}"

BENCH_TAG=isolation
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

WORK="$(mktemp -d /tmp/fogbank-isolation.XXXXXX)"
FB_PID=""
cleanup() {
  if [[ -n "$FB_PID" ]]; then
    kill "$FB_PID" 2>/dev/null || true
    wait "$FB_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_apt python3 python3 || die "python3 is needed"
need_apt curl curl || die "curl is needed"

# --- fogbank -----------------------------------------------------------------------------
if [[ -z "$FOGBANK_BIN" ]]; then
  FOGBANK_BIN="$BUILD_DIR/emulator/main/fogbank"
  log "building fogbank in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DFOGBANK_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 \
    || { tail -20 "$WORK/cmake.log" >&2; die "cmake configure failed"; }
  nice ninja -C "$BUILD_DIR" -j2 fogbank >"$WORK/ninja.log" 2>&1 \
    || { tail -30 "$WORK/ninja.log" >&2; die "fogbank build failed"; }
fi
[[ -x "$FOGBANK_BIN" ]] || die "no fogbank binary at $FOGBANK_BIN"

"$FOGBANK_BIN" serve --in-memory --port 0 --threads "$SERVER_THREADS" --seed 1 >"$WORK/fogbank.log" 2>&1 &
FB_PID=$!
PORT=""
for ((i = 0; i < 200; i++)); do
  PORT="$(sed -nE 's#^fogbank listening on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$WORK/fogbank.log" | head -1 || true)"
  [[ -n "$PORT" ]] && break
  kill -0 "$FB_PID" 2>/dev/null || break
  sleep 0.05
done
[[ -n "$PORT" ]] || { tail -20 "$WORK/fogbank.log" >&2; die "fogbank did not start"; }
log "fogbank on 127.0.0.1:$PORT (pid $FB_PID, $SERVER_THREADS threads); load average $(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$(dirname "$RESULTS")"
STATUS=0
python3 "$HERE/isolation.py" "$PORT" "$RESULTS" || STATUS=$?

# The server must have survived all of it.
kill -0 "$FB_PID" 2>/dev/null || { tail -20 "$WORK/fogbank.log" >&2; die "fogbank died during the run"; }
curl -sS --max-time 10 "http://127.0.0.1:$PORT/_fogbank/health" >/dev/null || die "fogbank no longer answers /_fogbank/health"
log "table also written to $RESULTS"
((STATUS == 0)) || die "isolation.py failed (exit $STATUS)"
