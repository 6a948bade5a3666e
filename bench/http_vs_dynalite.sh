#!/usr/bin/env bash
# HTTP load benchmark: fogbank vs dynalite vs a bare Boost.Beast server (the ceiling).
#
# Starts, on 127.0.0.1 only:
#   - fogbank   (`fogbank serve --in-memory --port 0`)
#   - dynalite  (npm package, in memory; installed into bench/node_modules if missing)
#   - baseline  (bench/baseline_server.cpp: Beast answering one fixed JSON body)
# creates the same table in fogbank and dynalite (pk S hash, sk N range, PAY_PER_REQUEST),
# seeds both with the same items, drives each with the same wrk load per operation
# (bench/wrk/*.lua: GetItem, PutItem, Query on random seeded keys; Scan of 1 MB pages of a
# second table, `scan`, seeded only when Scan is in OPS), and prints req/s, p50, p99 and the
# fogbank/dynalite and fogbank/baseline throughput ratios. Every wrk run counts non-200 answers
# (and 200s with an unexpected body); any such answer fails the script.
#
# Environment (all optional):
#   DURATION=5s         length of each measured wrk run
#   WARMUP=1s           length of an unmeasured run before each measured one (0 = none)
#   CONNECTIONS=16      wrk connections            THREADS=2   wrk threads
#   SERVER_THREADS=2    fogbank --threads and baseline threads (dynalite is one node process)
#   PARTITIONS=100      seeded partitions          ITEMS_PER_PARTITION=10  items per partition
#   REPEAT=1            runs per server and operation (interleaved); the table shows the median
#   OPS="GetItem PutItem Query"                    which operations to run (and/or Scan)
#   SCAN_ITEMS=4000     items of the `scan` table  SCAN_PAYLOAD=1000  bytes of payload per item
#   WRK_TIMEOUT=10s     wrk's per-request timeout (its default, 2s, is short for dynalite's Scan)
#   SKIP="dynalite"     servers to leave out (any of: fogbank dynalite baseline)
#   SERVER_CPUS=, CLIENT_CPUS=  CPU lists (taskset -c) for the servers and for wrk, e.g. 0 and 1:
#                       each side then has its own cores, and the latencies are the server's
#                       rather than the two sides' contention for shared cores (unset: shared)
#   BUILD_DIR=<repo>/build-bench                   where fogbank and the baseline are built
#   FOGBANK_BIN=<BUILD_DIR>/emulator/main/fogbank  use this fogbank binary (not rebuilt)
#   RESULTS=<BUILD_DIR>/bench-results.md           the table is also written here (markdown)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

DURATION="${DURATION:-5s}"
WARMUP="${WARMUP:-1s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
SERVER_THREADS="${SERVER_THREADS:-2}"
export PARTITIONS="${PARTITIONS:-100}"
export ITEMS_PER_PARTITION="${ITEMS_PER_PARTITION:-10}"
export TABLE="bench"
OPS="${OPS:-GetItem PutItem Query}"
SCAN_ITEMS="${SCAN_ITEMS:-4000}"
SCAN_PAYLOAD="${SCAN_PAYLOAD:-1000}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
SKIP="${SKIP:-}"
server_pin=()
client_pin=()
[[ -n "${SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$SERVER_CPUS")
[[ -n "${CLIENT_CPUS:-}" ]] && client_pin=(taskset -c "$CLIENT_CPUS")
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
FOGBANK_BIN="${FOGBANK_BIN:-}"
RESULTS="${RESULTS:-$BUILD_DIR/bench-results.md}"

BENCH_TAG=bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

bench_workspace fogbank-bench

# --- tools -------------------------------------------------------------------------------
need_apt wrk wrk || die "wrk is needed"
need_apt curl curl || die "curl is needed"

# --- fogbank -----------------------------------------------------------------------------
if ! skipped fogbank; then
  ensure_fogbank
fi

# --- baseline ----------------------------------------------------------------------------
if ! skipped baseline; then
  ensure_baseline
fi

# --- dynalite ----------------------------------------------------------------------------
DYNALITE_BIN="$HERE/node_modules/.bin/dynalite"
DYNALITE_WHY=""
if ! skipped dynalite; then
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    need_apt node nodejs || true
    need_apt npm npm || true
  fi
  if [[ ! -x "$DYNALITE_BIN" ]]; then
    if command -v npm >/dev/null 2>&1; then
      log "installing dynalite (npm install --no-save --prefix bench dynalite)"
      if ! npm install --no-save --no-audit --no-fund --prefix "$HERE" dynalite >"$WORK/npm.log" 2>&1; then
        tail -20 "$WORK/npm.log" >&2
        DYNALITE_WHY="npm install dynalite failed (see the lines above)"
      fi
    else
      DYNALITE_WHY="node/npm are not installed and apt-get could not install them"
    fi
  fi
  if [[ -z "$DYNALITE_WHY" && ! -x "$DYNALITE_BIN" ]]; then
    DYNALITE_WHY="npm finished but left no $DYNALITE_BIN"
  fi
  if [[ -n "$DYNALITE_WHY" ]]; then
    log "DYNALITE UNAVAILABLE: $DYNALITE_WHY -- measuring fogbank and the baseline only"
    SKIP="$SKIP dynalite"
  fi
fi

# --- servers -----------------------------------------------------------------------------
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_server NAME PATTERN COMMAND...: runs COMMAND in the background and waits for a line
# matching PATTERN (a sed -E regex with one group: the port) on its output; sets PORT.
declare -A PORT_OF PID_OF
if ! skipped fogbank; then
  start_server fogbank 'fogbank listening on http://127\.0\.0\.1:([0-9]+).*' \
    "${server_pin[@]}" "$FOGBANK_BIN" serve --in-memory --port 0 --threads "$SERVER_THREADS" --seed 1 \
    || die "fogbank did not start"
  PORT_OF[fogbank]="$PORT"
  PID_OF[fogbank]="${PIDS[-1]}"
  log "fogbank on 127.0.0.1:$PORT (pid ${PIDS[-1]}, $SERVER_THREADS threads)"
fi
if ! skipped dynalite; then
  dport="$(free_port)"
  if start_server dynalite 'Dynalite listening at: http://[^:]*:([0-9]+).*' \
    "${server_pin[@]}" node "$DYNALITE_BIN" --host 127.0.0.1 --port "$dport" --createTableMs 0; then
    PORT_OF[dynalite]="$PORT"
    PID_OF[dynalite]="${PIDS[-1]}"
    log "dynalite $(node -p "require('$HERE/node_modules/dynalite/package.json').version") on 127.0.0.1:$PORT (pid ${PIDS[-1]}, in memory)"
  else
    DYNALITE_WHY="dynalite was installed but did not start (its output is above)"
    log "DYNALITE UNAVAILABLE: $DYNALITE_WHY -- measuring fogbank and the baseline only"
    SKIP="$SKIP dynalite"
  fi
fi
if ! skipped baseline; then
  start_server baseline 'baseline listening on http://127\.0\.0\.1:([0-9]+).*' \
    "${server_pin[@]}" "$BASELINE_BIN" --port 0 --threads "$SERVER_THREADS" || die "the baseline server did not start"
  PORT_OF[baseline]="$PORT"
  PID_OF[baseline]="${PIDS[-1]}"
  log "baseline on 127.0.0.1:$PORT (pid ${PIDS[-1]}, $SERVER_THREADS threads)"
fi

# --- table and seed data -----------------------------------------------------------------
ddb() {  # ddb PORT OP JSON -> body on stdout; fails on a non-200 answer
  local code
  code="$(curl -sS -o "$WORK/ddb.out" -w '%{http_code}' -X POST "http://127.0.0.1:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H "X-Amz-Target: DynamoDB_20120810.$2" \
    -H 'X-Amz-Date: 20240101T000000Z' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
    --data-binary "$3")"
  cat "$WORK/ddb.out"
  [[ "$code" == 200 ]] || { printf '\n' >&2; log "$2 answered HTTP $code: $(head -c 300 "$WORK/ddb.out")"; return 1; }
}

item_json() {  # item_json P S
  printf '{"pk":{"S":"user#%04d"},"sk":{"N":"%d"},"name":{"S":"name-%d-%d"},"score":{"N":"%d"},"active":{"BOOL":%s},"payload":{"S":"%032x%032x"}}' \
    "$1" "$2" "$1" "$2" "$(($1 * 10 + $2))" "$( (($2 % 2)) && echo false || echo true)" "$1" "$2"
}

# The same batches for every server.
SEED_COUNT=$((PARTITIONS * ITEMS_PER_PARTITION))
BATCHES=()
batch=""
n=0
for ((p = 0; p < PARTITIONS; p++)); do
  for ((s = 0; s < ITEMS_PER_PARTITION; s++)); do
    batch+="${batch:+,}{\"PutRequest\":{\"Item\":$(item_json "$p" "$s")}}"
    n=$((n + 1))
    if ((n == 25)); then
      BATCHES+=("{\"RequestItems\":{\"$TABLE\":[$batch]}}")
      batch=""
      n=0
    fi
  done
done
[[ -n "$batch" ]] && BATCHES+=("{\"RequestItems\":{\"$TABLE\":[$batch]}}")

[[ " $OPS " == *" Scan "* ]] && WANT_SCAN=1 || WANT_SCAN=0

# The `scan` table (only when Scan is in OPS): SCAN_ITEMS items of SCAN_PAYLOAD bytes of payload,
# so that a Scan without Limit stops at DynamoDB's 1 MB page and says where to go on
# (LastEvaluatedKey). The same key schema as `bench`; one item is
#   {"pk":{"S":"scan#00042"},"sk":{"N":"0"},"payload":{"S":"00000042xxxx..."}}
SCAN_TABLE=scan
SCAN_BATCHES=()
if ((WANT_SCAN)); then
  ((SCAN_PAYLOAD >= 8)) || die "SCAN_PAYLOAD must be at least 8"
  printf -v filler '%*s' "$((SCAN_PAYLOAD - 8))" ''
  filler="${filler// /x}"
  batch=""
  n=0
  for ((i = 0; i < SCAN_ITEMS; i++)); do
    printf -v item '{"PutRequest":{"Item":{"pk":{"S":"scan#%05d"},"sk":{"N":"0"},"payload":{"S":"%08d%s"}}}}' "$i" "$i" "$filler"
    batch+="${batch:+,}$item"
    n=$((n + 1))
    if ((n == 25)); then
      SCAN_BATCHES+=("{\"RequestItems\":{\"$SCAN_TABLE\":[$batch]}}")
      batch=""
      n=0
    fi
  done
  [[ -n "$batch" ]] && SCAN_BATCHES+=("{\"RequestItems\":{\"$SCAN_TABLE\":[$batch]}}")
fi

count_items() {  # count_items PORT TABLE: Scan(Select COUNT) page by page (1 MB each); the total
  local port="$1" table="$2" body total=0 count lek="" page
  for ((page = 0; page < 10000; page++)); do
    body="$(ddb "$port" Scan "{\"TableName\":\"$table\",\"Select\":\"COUNT\"${lek:+,\"ExclusiveStartKey\":$lek}}")" || return 1
    count="$(sed -nE 's/.*"Count":([0-9]+).*/\1/p' <<<"$body")"
    [[ -n "$count" ]] || return 1
    total=$((total + count))
    [[ "$body" == *'"LastEvaluatedKey":'* ]] || { echo "$total"; return 0; }
    lek="${body#*\"LastEvaluatedKey\":}"  # {"pk":{...},"sk":{...}}: it ends at the first "}}"
    lek="${lek%%\}\}*}}}"
  done
  return 1
}

setup_table() {  # setup_table NAME TABLE COUNT BATCH...
  local name="$1" port="${PORT_OF[$1]}" table="$2" count="$3" body i answer
  shift 3
  ddb "$port" CreateTable "{\"TableName\":\"$table\",
    \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],
    \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],
    \"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null || die "$name: CreateTable $table failed"
  for ((i = 0; i < 100; i++)); do
    body="$(ddb "$port" DescribeTable "{\"TableName\":\"$table\"}")" || die "$name: DescribeTable $table failed"
    [[ "$body" == *'"TableStatus":"ACTIVE"'* ]] && break
    sleep 0.1
  done
  [[ "$body" == *'"TableStatus":"ACTIVE"'* ]] || die "$name: table $table never became ACTIVE"
  for body in "$@"; do
    answer="$(ddb "$port" BatchWriteItem "$body")" || die "$name: BatchWriteItem to $table failed"
    [[ "$answer" == *'"UnprocessedItems":{}'* ]] || die "$name: BatchWriteItem left unprocessed items: ${answer:0:200}"
  done
  body="$(count_items "$port" "$table")" || die "$name: Scan of $table failed"
  [[ "$body" == "$count" ]] || die "$name: expected $count seeded items in $table, Scan counted $body"
  log "$name: table $table seeded with $count items"
}

# probe_scan NAME: the first page of an unlimited Scan of the `scan` table, once, with curl. It
# must be a full 1 MB page (LastEvaluatedKey, fewer than all items, a body of at least 1,000,000
# bytes); its Count is what scan.lua then checks every answer of NAME against.
declare -A SCAN_COUNT_OF
SCAN_MIN_BYTES=1000000
probe_scan() {
  local body count bytes
  body="$(ddb "${PORT_OF[$1]}" Scan "{\"TableName\":\"$SCAN_TABLE\"}")" || die "$1: Scan of $SCAN_TABLE failed"
  bytes="$(wc -c <"$WORK/ddb.out")"
  count="$(grep -o '"Count":[0-9]*' "$WORK/ddb.out" | head -1 | cut -d: -f2)"
  [[ -n "$count" && "$body" == *'"LastEvaluatedKey":'* ]] || die "$1: the first Scan page has no Count or no LastEvaluatedKey"
  ((count < SCAN_ITEMS && bytes >= SCAN_MIN_BYTES)) \
    || die "$1: the first Scan page is not a full 1 MB page ($count of $SCAN_ITEMS items, $bytes bytes): raise SCAN_ITEMS"
  SCAN_COUNT_OF[$1]="$count"
  log "$1: the first Scan page of $SCAN_TABLE holds $count items in $bytes bytes of JSON, and a LastEvaluatedKey"
}

for name in fogbank dynalite; do
  skipped "$name" && continue
  setup_table "$name" "$TABLE" "$SEED_COUNT" "${BATCHES[@]}"
  if ((WANT_SCAN)); then
    setup_table "$name" "$SCAN_TABLE" "$SCAN_ITEMS" "${SCAN_BATCHES[@]}"
    probe_scan "$name"
  fi
done

# --- load --------------------------------------------------------------------------------
script_for() {
  case "$1" in
    GetItem) echo "$HERE/wrk/get_item.lua" ;;
    PutItem) echo "$HERE/wrk/put_item.lua" ;;
    Query) echo "$HERE/wrk/query.lua" ;;
    Scan) echo "$HERE/wrk/scan.lua" ;;
    *) die "unknown operation $1" ;;
  esac
}

declare -A R     # R[name,op,field]: the fields of the median run (by req/s)
declare -A LINES # LINES[name,op]: the result lines of every repeat, one a line
declare -A ERRS  # ERRS[name,op]: non-200 + bad bodies over every repeat
FAILED=0
run_wrk() {  # run_wrk NAME OP REP
  local name="$1" op="$2" rep="$3" port="${PORT_OF[$1]}" script out line
  script="$(script_for "$op")"
  # The baseline answers one fixed body to everything: check statuses only.
  local check=1
  [[ "$name" == baseline ]] && check=0
  # What scan.lua checks each answer against (the probe's Count for this server).
  local -a env_of=(BODY_CHECK="$check" SCAN_TABLE="$SCAN_TABLE" SCAN_COUNT="${SCAN_COUNT_OF[$name]:-}" SCAN_MIN_BYTES="$SCAN_MIN_BYTES")
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    env "${env_of[@]}" "${client_pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout "$WRK_TIMEOUT" -s "$script" \
      "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  fi
  out="$WORK/wrk-$name-$op-$rep.txt"
  local ticks0
  ticks0="$(cpu_ticks "${PID_OF[$name]}")"
  env "${env_of[@]}" "${client_pin[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency -s "$script" \
    "http://127.0.0.1:$port/" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed against $name ($op)"; }
  line="$(grep '^FOGBANK_BENCH ' "$out" | head -1)"
  [[ -n "$line" ]] || { cat "$out" >&2; die "no result line from wrk against $name ($op)"; }
  # CPU time the server process (all its threads) used during the measured run.
  local cpu_s
  cpu_s="$(awk -v a="$ticks0" -v b="$(cpu_ticks "${PID_OF[$name]}")" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')"
  line="$line cpu_s=$cpu_s per_cpu_s=$(echo "$line" | awk -v c="$cpu_s" '{ for (i = 2; i <= NF; i++) if ($i ~ /^requests=/) r = substr($i, 10) } END { printf "%.0f", (c > 0 ? r / c : 0) }')"
  LINES[$name,$op]+="$line"$'\n'
  local -A f=()
  local kv
  for kv in ${line#FOGBANK_BENCH }; do f[${kv%%=*}]="${kv#*=}"; done
  local errs=$((f[non200] + f[bad]))
  ERRS[$name,$op]=$((${ERRS[$name,$op]:-0} + errs))
  log "$(printf '%-8s %-8s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms  server CPU %5.2f s (%6.0f req/CPU-s)  non-200 %d  bad body %d  socket errors %d' \
    "$name" "$op" "${f[rps]}" "${f[p50_ms]}" "${f[p99_ms]}" "${f[cpu_s]}" "${f[per_cpu_s]}" "${f[non200]}" "${f[bad]}" "${f[socket_errors]}")"
  if ((f[socket_errors] > 0)); then
    log "  socket errors: connect ${f[connect_errors]}, read ${f[read_errors]}, write ${f[write_errors]}, timeout (${WRK_TIMEOUT}) ${f[timeouts]}"
  fi
  if ((errs > 0)); then
    log "  first error from $name: $(grep '^FOGBANK_BENCH_FIRST_ERROR' "$out" | cut -d' ' -f2-)"
    FAILED=1
  fi
  if ((f[requests] == 0)); then
    log "  $name served no request for $op"
    FAILED=1
  fi
}

CLK_TCK="$(getconf CLK_TCK)"

median_field() {  # median_field NAME OP FIELD: the median of FIELD over the repeats
  printf '%s' "${LINES[$1,$2]}" | awk -v f="$3=" 'NF { for (i = 2; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1) }' |
    sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

median_of() {  # median_of NAME OP: fills R[NAME,OP,*] from the run with the median req/s
  local line kv
  line="$(printf '%s' "${LINES[$1,$2]}" | awk 'NF { for (i = 2; i <= NF; i++) if ($i ~ /^rps=/) print substr($i, 5), $0 }' |
    sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }' | cut -d' ' -f2-)"
  for kv in ${line#FOGBANK_BENCH }; do R[$1,$2,${kv%%=*}]="${kv#*=}"; done
}

REPEAT="${REPEAT:-1}"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up ${WARMUP}) per server and operation, $REPEAT repeat(s); load average now $LOAD_BEFORE"
for ((rep = 1; rep <= REPEAT; rep++)); do
  ((REPEAT > 1)) && log "repeat $rep of $REPEAT"
  for op in $OPS; do
    for name in fogbank dynalite baseline; do
      skipped "$name" || run_wrk "$name" "$op" "$rep"
    done
  done
done
for op in $OPS; do
  for name in fogbank dynalite baseline; do
    skipped "$name" || { median_of "$name" "$op"; R[$name,$op,per_cpu_s]="$(median_field "$name" "$op" per_cpu_s)"; }
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------
num() { [[ -n "${R[$1]:-}" ]] && echo "${R[$1]}" || echo ""; }
fmt_rps() { [[ -n "$1" ]] && printf '%.0f' "$1" || printf 'n/a'; }
fmt_ms() { [[ -n "$1" ]] && printf '%.2f' "$1" || printf 'n/a'; }
ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }' || printf 'n/a'; }
errs_of() { echo "${ERRS[$1,$2]:-n/a}"; }
# The baseline answers its fixed ~250-byte body to a Scan too: next to a 1 MB page that ratio
# says nothing, so the table shows "-" (the baseline's own req/s stay in their columns).
base_ratio() { if [[ "$1" == Scan ]]; then printf -- '-'; else ratio "$2" "$3"; fi; }

{
  echo "| operation | fogbank req/s | p50 ms | p99 ms | dynalite req/s | p50 ms | p99 ms | fogbank/dynalite | baseline req/s | p50 ms | p99 ms | fogbank/baseline | non-200 or bad (fb/dyn/base) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for op in $OPS; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s/%s |\n' "$op" \
      "$(fmt_rps "$(num "fogbank,$op,rps")")" "$(fmt_ms "$(num "fogbank,$op,p50_ms")")" "$(fmt_ms "$(num "fogbank,$op,p99_ms")")" \
      "$(fmt_rps "$(num "dynalite,$op,rps")")" "$(fmt_ms "$(num "dynalite,$op,p50_ms")")" "$(fmt_ms "$(num "dynalite,$op,p99_ms")")" \
      "$(ratio "$(num "fogbank,$op,rps")" "$(num "dynalite,$op,rps")")" \
      "$(fmt_rps "$(num "baseline,$op,rps")")" "$(fmt_ms "$(num "baseline,$op,p50_ms")")" "$(fmt_ms "$(num "baseline,$op,p99_ms")")" \
      "$(base_ratio "$op" "$(num "fogbank,$op,rps")" "$(num "baseline,$op,rps")")" \
      "$(errs_of fogbank "$op")" "$(errs_of dynalite "$op")" "$(errs_of baseline "$op")"
  done
  echo
  echo "Requests per CPU-second of the server process (median over the repeats; less sensitive than req/s to other load on the machine):"
  echo
  echo "| operation | fogbank req/CPU-s | dynalite req/CPU-s | baseline req/CPU-s | fogbank/dynalite | fogbank/baseline |"
  echo "|---|---:|---:|---:|---:|---:|"
  for op in $OPS; do
    printf '| %s | %s | %s | %s | %s | %s |\n' "$op" \
      "$(fmt_rps "$(num "fogbank,$op,per_cpu_s")")" "$(fmt_rps "$(num "dynalite,$op,per_cpu_s")")" "$(fmt_rps "$(num "baseline,$op,per_cpu_s")")" \
      "$(ratio "$(num "fogbank,$op,per_cpu_s")" "$(num "dynalite,$op,per_cpu_s")")" \
      "$(base_ratio "$op" "$(num "fogbank,$op,per_cpu_s")" "$(num "baseline,$op,per_cpu_s")")"
  done
  echo
  if ((WANT_SCAN)); then
    echo "Scan: the first page of an unlimited Scan of \`$SCAN_TABLE\` ($SCAN_ITEMS items of a $SCAN_PAYLOAD-byte payload), a full 1 MB page" \
      "with LastEvaluatedKey:$(for name in fogbank dynalite; do skipped "$name" || printf ' %s, %s items;' "$name" "${SCAN_COUNT_OF[$name]}"; done)" \
      "fogbank/baseline is not shown for it: the baseline answers a fixed ~250-byte body."
    echo
  fi
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION ($([[ "$WARMUP" == 0 || "$WARMUP" == 0s ]] && echo "no warm-up" || echo "after a $WARMUP warm-up"); median of $REPEAT by req/s), $SEED_COUNT seeded items," \
    "fogbank and baseline $SERVER_THREADS server threads$(skipped dynalite || echo ", dynalite one node process"); $(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after;" \
    "$(date -u +%Y-%m-%dT%H:%MZ)"
  [[ -n "$DYNALITE_WHY" ]] && echo "dynalite not measured: $DYNALITE_WHY"
} >"$WORK/table.md"

mkdir -p "$(dirname "$RESULTS")"
cp "$WORK/table.md" "$RESULTS"
echo
cat "$WORK/table.md"
echo
log "table also written to $RESULTS"
if ((FAILED)); then
  die "some runs had non-200 answers, unexpected bodies or no requests at all (see above)"
fi
