#!/usr/bin/env bash
# HTTP load benchmark of SQS in fogbank, over both wire protocols, with DynamoDB GetItem on the
# same server as the baseline of the same run.
#
# Starts `fogbank serve --in-memory --port 0` on 127.0.0.1 and measures:
#   1. DynamoDB GetItem on a small seeded table (bench/wrk/get_item.lua): the baseline;
#   2. per protocol (query: form POST + XML answers; json: X-Amz-Target AmazonSQS.*), with wrk:
#      - SendMessage of a 64-character body to its own queue (bench/wrk/sqs_send.lua);
#      - the same JSON SendMessage requests to the bare Beast server (bench/baseline_server.cpp):
#        the ceiling that the column "vs ceiling" divides by;
#      - SendMessageBatch of 10 such messages to its own queue (bench/wrk/sqs_send_batch.lua);
#      - ReceiveMessage(MaxNumberOfMessages=1) + DeleteMessage of the handle received, alternately
#        on each connection (bench/wrk/sqs_receive_delete.lua, wrk with one connection per
#        thread: -tRECV_CONNECTIONS -cRECV_CONNECTIONS), on a queue filled beforehand (with
#        SendMessageBatch, by wrk) to at least RECV_DEPTH messages and to twice what the warm-up's
#        rate would take in DURATION, so that no receive comes back empty; then, after the JSON
#        run, the same requests to the bare Beast server (the ceiling of that row);
#      and receive + delete with a small Python client (http.client, one connection per client
#      thread): a third queue is filled with exactly DEPTH messages, then DRAIN_CLIENTS threads
#      loop ReceiveMessage(MaxNumberOfMessages=10) + DeleteMessageBatch of what they got until
#      the queue is empty or DRAIN_LIMIT seconds have passed; msgs/s = messages deleted / time.
#      (A fixed depth, because a receive's cost depends on how many messages the queue holds.)
#   3. GetItem again (the baseline after: the machine may have changed its mind meanwhile).
# Every run counts non-200 answers and 200s with an unexpected body (in wrk's Lua response
# callback, or in the Python client); any such answer, a socket error, a run that served
# nothing, a message lost between fill and drain, or a receive + delete run whose queue ran dry
# or whose counts disagree with the queue's fails the script.
#
# Environment (all optional):
#   DURATION=5s        length of each measured wrk run
#   WARMUP=1s          unmeasured run before the first GetItem and each SendMessage run (0 = none)
#   CONNECTIONS=16     wrk connections            THREADS=2  wrk threads
#   SERVER_THREADS=2   fogbank --threads
#   DEPTH=10000        messages in the queue the receive + delete clients drain
#   DRAIN_CLIENTS=4    receive + delete client threads
#   DRAIN_LIMIT=30     seconds after which the drain stops even if the queue is not empty
#   RECV_DEPTH=50000   least messages in the queue before each wrk receive + delete run
#   RECV_CONNECTIONS=<CONNECTIONS>  wrk connections (and threads) of the receive + delete runs
#   PROTOCOLS="query json"
#   BUILD_DIR=<repo>/build-bench                  where fogbank is built
#   FOGBANK_BIN=<BUILD_DIR>/emulator/main/fogbank use this binary (not rebuilt)
#   RESULTS=<BUILD_DIR>/sqs-bench-results.md      the table is also written here
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

DURATION="${DURATION:-5s}"
DEPTH="${DEPTH:-10000}"
DRAIN_CLIENTS="${DRAIN_CLIENTS:-4}"
DRAIN_LIMIT="${DRAIN_LIMIT:-30}"
RECV_DEPTH="${RECV_DEPTH:-50000}"
WARMUP="${WARMUP:-1s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
RECV_CONNECTIONS="${RECV_CONNECTIONS:-$CONNECTIONS}"
SERVER_THREADS="${SERVER_THREADS:-2}"
PROTOCOLS="${PROTOCOLS:-query json}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
FOGBANK_BIN="${FOGBANK_BIN:-}"
RESULTS="${RESULTS:-$BUILD_DIR/sqs-bench-results.md}"
# The GetItem baseline's table: 10 x 10 items, same shape as http_vs_dynalite.sh's.
export PARTITIONS=10 ITEMS_PER_PARTITION=10 TABLE=bench

BENCH_TAG=sqs-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_workspace fogbank-sqs-bench

need_apt wrk wrk || die "wrk is needed"
need_apt curl curl || die "curl is needed"
need_apt python3 python3 || die "python3 is needed"

# --- fogbank -----------------------------------------------------------------------------
ensure_fogbank

start_server fogbank 'fogbank listening on http://127\.0\.0\.1:([0-9]+).*' \
  "$FOGBANK_BIN" serve --in-memory --port 0 --threads "$SERVER_THREADS" --seed 1 || die "fogbank did not start"
FB_PID="${PIDS[-1]}"
URL="http://127.0.0.1:$PORT/"
log "fogbank on 127.0.0.1:$PORT (pid $FB_PID, $SERVER_THREADS threads)"

# The ceiling: the bare Beast server answering a fixed body (bench/baseline_server.cpp, as in
# http_vs_dynalite.sh), driven by the same SendMessage script in the same run.
ensure_baseline
start_server baseline 'baseline listening on http://127\.0\.0\.1:([0-9]+).*' \
  "$BASELINE_BIN" --port 0 --threads "$SERVER_THREADS" || die "the baseline server did not start"
BASE_PID="${PIDS[-1]}"
BASE_URL="http://127.0.0.1:$PORT/"
log "baseline on 127.0.0.1:$PORT (pid $BASE_PID, $SERVER_THREADS threads)"

# --- requests for setup and checks ---------------------------------------------------------
post_json() {  # post_json TARGET SERVICE JSON -> body on stdout; fails on a non-200 answer
  local code
  code="$(curl -sS -o "$WORK/out" -w '%{http_code}' -X POST "$URL" \
    -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: $1" -H 'X-Amz-Date: 20240101T000000Z' \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/$2/aws4_request, SignedHeaders=host, Signature=x" \
    --data-binary "$3")"
  cat "$WORK/out"
  [[ "$code" == 200 ]] || { printf '\n' >&2; log "$1 answered HTTP $code: $(head -c 300 "$WORK/out")"; return 1; }
}
ddb() { post_json "DynamoDB_20120810.$1" dynamodb "$2"; }
sqs() { post_json "AmazonSQS.$1" sqs "$2"; }

create_queue() {  # create_queue NAME [ATTRIBUTES_JSON] -> QueueUrl; dies if there is none
  local body url
  body="$(sqs CreateQueue "{\"QueueName\":\"$1\"${2:+,\"Attributes\":$2}}")" || die "CreateQueue $1 failed"
  url="$(sed -nE 's/.*"QueueUrl":"([^"]+)".*/\1/p' <<<"$body")"
  [[ -n "$url" ]] || die "CreateQueue $1 answered no QueueUrl: $body"
  printf '%s\n' "$url"
}
queue_counts() {  # queue_counts URL -> "visible not_visible"
  local body
  body="$(sqs GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"All\"]}")" || return 1
  printf '%s %s\n' "$(sed -nE 's/.*"ApproximateNumberOfMessages":"([0-9]+)".*/\1/p' <<<"$body")" \
    "$(sed -nE 's/.*"ApproximateNumberOfMessagesNotVisible":"([0-9]+)".*/\1/p' <<<"$body")"
}

# The baseline's table.
ddb CreateTable "{\"TableName\":\"$TABLE\",
  \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],
  \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],
  \"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null || die "CreateTable failed"
for ((i = 0; i < 100; i++)); do
  body="$(ddb DescribeTable "{\"TableName\":\"$TABLE\"}")" || die "DescribeTable failed"
  [[ "$body" == *'"TableStatus":"ACTIVE"'* ]] && break
  sleep 0.1
done
batch=""
n=0
for ((p = 0; p < PARTITIONS; p++)); do
  for ((s = 0; s < ITEMS_PER_PARTITION; s++)); do
    batch+="${batch:+,}$(printf '{"PutRequest":{"Item":{"pk":{"S":"user#%04d"},"sk":{"N":"%d"},"name":{"S":"name-%d-%d"},"score":{"N":"%d"},"active":{"BOOL":true},"payload":{"S":"%032x%032x"}}}}' \
      "$p" "$s" "$p" "$s" "$((p * 10 + s))" "$p" "$s")"
    n=$((n + 1))
    if ((n == 25)); then
      ddb BatchWriteItem "{\"RequestItems\":{\"$TABLE\":[$batch]}}" >/dev/null || die "BatchWriteItem failed"
      batch=""
      n=0
    fi
  done
done
[[ -n "$batch" ]] && { ddb BatchWriteItem "{\"RequestItems\":{\"$TABLE\":[$batch]}}" >/dev/null || die "BatchWriteItem failed"; }
body="$(ddb Scan "{\"TableName\":\"$TABLE\",\"Select\":\"COUNT\"}")" || die "Scan failed"
[[ "$body" == *"\"Count\":$((PARTITIONS * ITEMS_PER_PARTITION))"[,\}]* ]] || die "seeding failed: ${body:0:200}"
log "table $TABLE seeded with $((PARTITIONS * ITEMS_PER_PARTITION)) items"

# --- load --------------------------------------------------------------------------------
CLK_TCK="$(getconf CLK_TCK)"
FAILED=0
ROWS=()         # "operation|protocol|fields...|ceiling|note" per run, in order (VS=send|recv: the ceiling)
declare -A F    # F[field] of the last run
declare -A CEIL_RPS CEIL_CPU  # the ceilings' req/s and req/CPU-s, by VS

# record LABEL PROTOCOL OUT CPU_S: parses the FOGBANK_BENCH line of OUT into F, logs it, checks
# it and adds a row to the table.
record() {
  local label="$1" proto="$2" out="$3" cpu_s="$4" line kv
  line="$(grep '^FOGBANK_BENCH ' "$out" | head -1 || true)"
  [[ -n "$line" ]] || { cat "$out" >&2; die "no result line ($label, $proto)"; }
  F=([messages]=0 [empty]=0 [mps]=0 [received]=0)
  for kv in ${line#FOGBANK_BENCH }; do F[${kv%%=*}]="${kv#*=}"; done
  F[cpu_s]="$cpu_s"
  F[per_cpu_s]="$(awk -v r="${F[requests]}" -v c="$cpu_s" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')"
  F[msgs_per_cpu_s]="$(awk -v r="${F[messages]}" -v c="$cpu_s" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')"
  local errs=$((F[non200] + F[bad] + F[socket_errors]))
  log "$(printf '%-30s %-5s %8.0f req/s %9.0f msgs/s  p50 %6.2f ms  p99 %7.2f ms  CPU %5.2f s  non-200 %d  bad %d  socket errors %d' \
    "$label" "$proto" "${F[rps]}" "${F[mps]}" "${F[p50_ms]}" "${F[p99_ms]}" "$cpu_s" "${F[non200]}" "${F[bad]}" "${F[socket_errors]}")"
  if ((errs > 0)); then
    log "  first error: $(grep '^FOGBANK_BENCH_FIRST_ERROR' "$out" | cut -d' ' -f2- || echo '(socket errors only)')"
    FAILED=1
  fi
  if ((F[requests] == 0)); then
    log "  $label ($proto) served no request"
    FAILED=1
  fi
  ROWS+=("$label|$proto|${F[rps]}|${F[mps]}|${F[p50_ms]}|${F[p99_ms]}|${F[per_cpu_s]}|${F[msgs_per_cpu_s]}|${F[non200]}/${F[bad]}/${F[socket_errors]}|${VS:-send}|${NOTE:-}")
}

cpu_since() { awk -v a="$1" -v b="$(cpu_ticks "$FB_PID")" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }'; }

# run LABEL PROTOCOL SCRIPT DURATION WARMUP [ENV=VALUE...]: one measured wrk run (wrk -tRUN_THREADS
# -cRUN_CONNECTIONS when those are set).
run() {
  local label="$1" proto="$2" script="$3" duration="$4" warm="$5"
  shift 5
  local out="$WORK/wrk-${label// /_}-$proto.txt" ticks0 t="${RUN_THREADS:-$THREADS}" c="${RUN_CONNECTIONS:-$CONNECTIONS}"
  out="${out//[()+]/_}"
  if [[ "$warm" != 0 && "$warm" != 0s ]]; then
    env "$@" wrk -t"$t" -c"$c" -d"$warm" -s "$script" "$URL" >/dev/null 2>&1 || true
  fi
  ticks0="$(cpu_ticks "$FB_PID")"
  env "$@" wrk -t"$t" -c"$c" -d"$duration" --latency -s "$script" "$URL" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed ($label, $proto)"; }
  record "$label" "$proto" "$out" "$(cpu_since "$ticks0")"
}

# drain_run PROTOCOL URL: empties a queue filled with DEPTH messages with DRAIN_CLIENTS clients
# doing ReceiveMessage(10) + DeleteMessageBatch, and checks nothing was lost.
drain_run() {
  local proto="$1" url="$2" out="$WORK/drain-$1.txt" ticks0 visible invisible
  ticks0="$(cpu_ticks "$FB_PID")"
  python3 "$WORK/drain.py" drain "$proto" "$url" "$DRAIN_CLIENTS" "$DRAIN_LIMIT" >"$out" 2>&1 \
    || { cat "$out" >&2; die "the drain client failed ($proto)"; }
  VS=none NOTE="" record "ReceiveMessage(10)+DeleteMessageBatch" "$proto" "$out" "$(cpu_since "$ticks0")"
  read -r visible invisible <<<"$(queue_counts "$url")"
  local drained="${F[messages]}"
  if ((drained != DEPTH)); then
    log "  recv-$proto: deleted $drained of $DEPTH in ${F[seconds]} s (limit ${DRAIN_LIMIT} s): msgs/s is over a partial drain"
    ROWS[-1]="${ROWS[-1]}partial drain: $drained of $DEPTH"
  else
    ROWS[-1]="${ROWS[-1]}drained $DEPTH in ${F[seconds]} s"
  fi
  if ((visible + invisible + drained != DEPTH)); then
    log "  recv-$proto: $DEPTH filled != $visible visible + $invisible in flight + $drained deleted"
    FAILED=1
  fi
  log "  recv-$proto: receive p50 ${F[recv_p50_ms]} ms p99 ${F[recv_p99_ms]} ms, delete p50 ${F[del_p50_ms]} ms p99 ${F[del_p99_ms]} ms"
}

# seconds_of DURATION: wrk's duration ("5s", "1m", "2h" or plain seconds) in seconds.
seconds_of() {
  case "$1" in
    *s) echo "${1%s}" ;;
    *m) echo $((${1%m} * 60)) ;;
    *h) echo $((${1%h} * 3600)) ;;
    *) echo "$1" ;;
  esac
}

# fill_queue URL TARGET: SendMessageBatch (10 x 64 characters, JSON protocol) by wrk, a second
# at a time, until the queue holds at least TARGET visible messages (at most 120 rounds).
fill_queue() {
  local url="$1" target="$2" visible invisible round out="$WORK/fill.txt"
  for ((round = 0; round < 120; round++)); do
    read -r visible invisible <<<"$(queue_counts "$url")"
    ((visible >= target)) && return 0
    PROTOCOL=json QUEUE_URL="$url" wrk -t2 -c8 -d1s -s "$HERE/wrk/sqs_send_batch.lua" "$URL" >"$out" 2>&1 \
      || { cat "$out" >&2; die "wrk failed filling $url"; }
    grep -q '^FOGBANK_BENCH .* non200=0 bad=0 socket_errors=0 ' "$out" || { cat "$out" >&2; die "filling $url had errors"; }
  done
  die "$url holds $visible messages after 120 s of filling, not $target"
}

# recv_delete_run PROTOCOL: wrk -tRECV_CONNECTIONS -cRECV_CONNECTIONS with sqs_receive_delete.lua
# on a fresh queue (VisibilityTimeout 300 s: nothing received comes back during the run), filled
# to RECV_DEPTH and to twice what the warm-up's pace would take in DURATION; then checks, from
# the queue's counts before and after, that the queue never ran dry and that the messages it
# lost and the ones that went in flight are what the run counted (up to RECV_CONNECTIONS
# requests in flight when wrk stopped).
recv_delete_run() {
  local proto="$1" url out="$WORK/recv-warm-$1.txt" v0 n0 v1 n1 target rate gone taken
  url="$(create_queue "rd-$proto" '{"VisibilityTimeout":"300"}')"
  RD_URL="$url"
  target="$RECV_DEPTH"
  fill_queue "$url" "$target"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    PROTOCOL="$proto" QUEUE_URL="$url" wrk -t"$RECV_CONNECTIONS" -c"$RECV_CONNECTIONS" -d"$WARMUP" \
      -s "$HERE/wrk/sqs_receive_delete.lua" "$URL" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed (receive + delete warm-up)"; }
    rate="$(sed -nE 's/^FOGBANK_BENCH .* mps=([0-9.]+).*/\1/p' "$out")"
    target="$(awk -v r="${rate:-0}" -v d="$(seconds_of "$DURATION")" -v m="$RECV_DEPTH" 'BEGIN { t = 2 * r * d; printf "%d", (t > m ? t : m) }')"
    fill_queue "$url" "$target"
  fi
  read -r v0 n0 <<<"$(queue_counts "$url")"
  RUN_THREADS="$RECV_CONNECTIONS" RUN_CONNECTIONS="$RECV_CONNECTIONS" VS=recv NOTE="queue at $v0 messages" \
    run "ReceiveMessage(1)+DeleteMessage" "$proto" "$HERE/wrk/sqs_receive_delete.lua" "$DURATION" 0 \
    PROTOCOL="$proto" QUEUE_URL="$url"
  read -r v1 n1 <<<"$(queue_counts "$url")"
  gone=$((v0 + n0 - v1 - n1))  # deleted
  taken=$((v0 - v1))           # received
  log "  rd-$proto: visible $v0 -> $v1, in flight $n0 -> $n1; the run counted ${F[received]} received, ${F[messages]} deleted"
  if ((v1 == 0)); then
    log "  rd-$proto: the queue ran dry: raise RECV_DEPTH"
    FAILED=1
  fi
  if ((taken < F[received] || taken > F[received] + RECV_CONNECTIONS || gone < F[messages] || gone > F[messages] + RECV_CONNECTIONS)); then
    log "  rd-$proto: the queue lost $gone and handed out $taken messages, the run counted ${F[messages]} deleted and ${F[received]} received"
    FAILED=1
  fi
}

# handle_length URL: the length of a receipt handle fogbank gives for the queue URL (one receive).
handle_length() {
  local body h
  body="$(sqs ReceiveMessage "{\"QueueUrl\":\"$1\",\"MaxNumberOfMessages\":1}")" || return 1
  h="$(sed -nE 's/.*"ReceiptHandle":"([^"]+)".*/\1/p' <<<"$body")"
  [[ -n "$h" ]] || return 1
  echo "${#h}"
}

# The fill and drain client (Python's http.client; one connection per client thread).
cat >"$WORK/drain.py" <<'PY'
import http.client, json, re, sys, threading, time, urllib.parse

mode, proto, url = sys.argv[1], sys.argv[2], sys.argv[3]
port = urllib.parse.urlsplit(url).port
JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, "
                                 "SignedHeaders=host, Signature=x"}
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

def request(conn, op, members, params):
    if proto == "json":
        body, headers = json.dumps(dict(QueueUrl=url, **members)), dict(JSON_HEADERS, **{"X-Amz-Target": "AmazonSQS." + op})
    else:
        body, headers = urllib.parse.urlencode([("Action", op), ("Version", "2012-11-05"), ("QueueUrl", url)] + params), FORM_HEADERS
    start = time.perf_counter()
    conn.request("POST", "/", body, headers)
    res = conn.getresponse()
    data = res.read().decode()
    return res.status, data, time.perf_counter() - start

def successes(data, prefix):
    if proto == "json":
        d = json.loads(data)
        return len(d.get("Successful", [])), len(d.get("Failed", []))
    return data.count("<%sResultEntry>" % prefix), data.count("<BatchResultErrorEntry>")

if mode == "fill":
    depth = int(sys.argv[4])
    conn = http.client.HTTPConnection("127.0.0.1", port)
    sent = 0
    while sent < depth:
        n = min(10, depth - sent)
        status, data, _ = request(conn, "SendMessageBatch",
                                  {"Entries": [{"Id": "m%d" % i, "MessageBody": "m" * 64} for i in range(n)]},
                                  [(f"SendMessageBatchRequestEntry.{i + 1}.{k}", v) for i in range(n)
                                   for k, v in (("Id", "m%d" % i), ("MessageBody", "m" * 64))])
        ok, failed = successes(data, "SendMessageBatch") if status == 200 else (0, 0)
        if status != 200 or ok != n or failed:
            sys.exit("fill: SendMessageBatch answered %d: %s" % (status, data[:300]))
        sent += n
    sys.exit(0)

clients, limit = int(sys.argv[4]), float(sys.argv[5])
lock = threading.Lock()
stats = {"requests": 0, "non200": 0, "bad": 0, "socket_errors": 0, "messages": 0, "empty": 0}
latencies = {"recv": [], "del": []}
first_error = []
handle_re = re.compile(r"<ReceiptHandle>([^<]+)</ReceiptHandle>")

def worker(deadline):
    local = dict.fromkeys(stats, 0)
    lat = {"recv": [], "del": []}
    def error(what):
        if not first_error:
            first_error.append(what.replace("\n", " ")[:300])
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            status, data, dt = request(conn, "ReceiveMessage", {"MaxNumberOfMessages": 10, "VisibilityTimeout": 300},
                                       [("MaxNumberOfMessages", "10"), ("VisibilityTimeout", "300")])
            local["requests"] += 1
            lat["recv"].append(dt)
            if status != 200:
                local["non200"] += 1; error("%d %s" % (status, data)); break
            if proto == "json":
                handles = [m["ReceiptHandle"] for m in json.loads(data).get("Messages", [])]
            else:
                handles = handle_re.findall(data)
            if not handles:
                local["empty"] += 1
                break  # the queue is empty (what is left is in flight with the other clients)
            status, data, dt = request(conn, "DeleteMessageBatch",
                                       {"Entries": [{"Id": "d%d" % i, "ReceiptHandle": h} for i, h in enumerate(handles)]},
                                       [(f"DeleteMessageBatchRequestEntry.{i + 1}.{k}", v) for i, h in enumerate(handles)
                                        for k, v in (("Id", "d%d" % i), ("ReceiptHandle", h))])
            local["requests"] += 1
            lat["del"].append(dt)
            if status != 200:
                local["non200"] += 1; error("%d %s" % (status, data)); break
            ok, failed = successes(data, "DeleteMessageBatch")
            local["messages"] += ok
            if failed or ok != len(handles):
                local["bad"] += 1; error("200 " + data)
    except (OSError, http.client.HTTPException) as e:
        local["socket_errors"] += 1
        error("socket: %r" % e)
    with lock:
        for k, v in local.items():
            stats[k] += v
        for k in lat:
            latencies[k] += lat[k]

start = time.perf_counter()
threads = [threading.Thread(target=worker, args=(start + limit,)) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
seconds = time.perf_counter() - start

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000 if values else 0.0

every = latencies["recv"] + latencies["del"]
print("FOGBANK_BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non200=%d bad=%d socket_errors=%d "
      "messages=%d empty=%d mps=%.1f recv_p50_ms=%.3f recv_p99_ms=%.3f del_p50_ms=%.3f del_p99_ms=%.3f" % (
          stats["requests"], seconds, stats["requests"] / seconds, pct(every, 50), pct(every, 99), stats["non200"],
          stats["bad"], stats["socket_errors"], stats["messages"], stats["empty"], stats["messages"] / seconds,
          pct(latencies["recv"], 50), pct(latencies["recv"], 99), pct(latencies["del"], 50), pct(latencies["del"], 99)))
if first_error:
    print("FOGBANK_BENCH_FIRST_ERROR " + first_error[0])
PY

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP); drain $DEPTH messages with $DRAIN_CLIENTS clients; load average now $LOAD_BEFORE"

NOTE="" run "DynamoDB GetItem (before)" json "$HERE/wrk/get_item.lua" "$DURATION" "$WARMUP" BODY_CHECK=1
GET_BEFORE="${F[rps]}"

# One operation at a time over both protocols, so that neither protocol always runs on the
# fuller database.
for proto in $PROTOCOLS; do
  send_url="$(create_queue "send-$proto")"
  NOTE="" run "SendMessage" "$proto" "$HERE/wrk/sqs_send.lua" "$DURATION" "$WARMUP" PROTOCOL="$proto" QUEUE_URL="$send_url"
done
# The same SendMessage requests to the bare Beast server: the ceiling the issue measures SQS by.
URL="$BASE_URL" FB_PID="$BASE_PID" VS=send NOTE="the ceiling: a fixed answer" run "Beast baseline (SendMessage requests)" \
  json "$HERE/wrk/sqs_send.lua" "$DURATION" "$WARMUP" PROTOCOL=json QUEUE_URL=http://unused/ BODY_CHECK=0
CEIL_RPS[send]="${F[rps]}"
CEIL_CPU[send]="${F[per_cpu_s]}"
for proto in $PROTOCOLS; do
  batch_url="$(create_queue "batch-$proto")"
  NOTE="" run "SendMessageBatch (10 msgs)" "$proto" "$HERE/wrk/sqs_send_batch.lua" "$DURATION" 0 \
    PROTOCOL="$proto" QUEUE_URL="$batch_url"
done
# Receive + delete, one message at a time, by wrk; then the same JSON requests to the ceiling
# (the handles made up, as long as fogbank's for this queue).
for proto in $PROTOCOLS; do
  recv_delete_run "$proto"
done
HANDLE_LENGTH="$(handle_length "$RD_URL")" || die "no message to measure a receipt handle by in $RD_URL"
log "the ceiling's made-up receipt handles: $HANDLE_LENGTH characters, as fogbank's for $RD_URL"
URL="$BASE_URL" FB_PID="$BASE_PID" VS=recv NOTE="the ceiling: a fixed answer" RUN_THREADS="$RECV_CONNECTIONS" RUN_CONNECTIONS="$RECV_CONNECTIONS" \
  run "Beast baseline (ReceiveMessage(1)+DeleteMessage requests)" json "$HERE/wrk/sqs_receive_delete.lua" "$DURATION" "$WARMUP" \
  PROTOCOL=json QUEUE_URL="$RD_URL" BODY_CHECK=0 HANDLE_LENGTH="$HANDLE_LENGTH"
CEIL_RPS[recv]="${F[rps]}"
CEIL_CPU[recv]="${F[per_cpu_s]}"

for proto in $PROTOCOLS; do
  recv_url="$(create_queue "recv-$proto")"
  python3 "$WORK/drain.py" fill "$proto" "$recv_url" "$DEPTH" || die "filling recv-$proto failed"
  read -r visible invisible <<<"$(queue_counts "$recv_url")"
  [[ "$visible" == "$DEPTH" && "$invisible" == 0 ]] || die "recv-$proto holds $visible visible + $invisible in flight, not $DEPTH"
  drain_run "$proto" "$recv_url"
done

NOTE="" run "DynamoDB GetItem (after)" json "$HERE/wrk/get_item.lua" "$DURATION" 0 BODY_CHECK=1
GET_AFTER="${F[rps]}"
GET_MEAN="$(awk -v a="$GET_BEFORE" -v b="$GET_AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------
{
  echo "| operation | protocol | req/s | msgs/s | p50 ms | p99 ms | req/CPU-s | msgs/CPU-s | req/s vs GetItem | req/s vs ceiling | req/CPU-s vs ceiling | non-200/bad/socket | note |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r op proto rps mps p50 p99 pcpu mcpu errs vs note <<<"$row"
    [[ "$op" == DynamoDB* || "$op" == Beast* ]] && { mps="-"; mcpu="-"; }
    printf '| %s | %s | %.0f | %s | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s |\n' "$op" "$proto" "$rps" \
      "$([[ "$mps" == - ]] && echo - || printf '%.0f' "$mps")" "$p50" "$p99" "$pcpu" "$mcpu" \
      "$(awk -v a="$rps" -v b="$GET_MEAN" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }')" \
      "$(awk -v a="$rps" -v b="${CEIL_RPS[$vs]:-}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }')" \
      "$(awk -v a="$pcpu" -v b="${CEIL_CPU[$vs]:-}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }')" \
      "$errs" "$note"
  done
  echo
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP before GetItem (before), SendMessage and receive + delete);" \
    "ReceiveMessage(1)+DeleteMessage: wrk -t$RECV_CONNECTIONS -c$RECV_CONNECTIONS (one connection per thread), msgs/s = messages deleted;" \
    "ReceiveMessage(10)+DeleteMessageBatch: $DRAIN_CLIENTS Python http.client threads draining a queue of $DEPTH messages (p50/p99 over receives and deletes together);" \
    "fogbank --in-memory --threads $SERVER_THREADS; 64-character message bodies; GetItem on $((PARTITIONS * ITEMS_PER_PARTITION)) seeded items;" \
    "\"vs GetItem\" divides by the mean of the two GetItem runs ($(printf '%.0f' "$GET_MEAN") req/s);" \
    "\"vs ceiling\" divides by the bare Beast server's figure for the same JSON requests in this run: SendMessage's ($(printf '%.0f' "${CEIL_RPS[send]}") req/s, ${CEIL_CPU[send]} req/CPU-s) for GetItem and the sends, ReceiveMessage(1)+DeleteMessage's ($(printf '%.0f' "${CEIL_RPS[recv]}") req/s, ${CEIL_CPU[recv]} req/CPU-s) for the wrk receive + delete rows, none for the Python drain;" \
    "req/CPU-s and msgs/CPU-s per CPU-second of the server process; $(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after; $(date -u +%Y-%m-%dT%H:%MZ)"
} >"$WORK/table.md"

mkdir -p "$(dirname "$RESULTS")"
cp "$WORK/table.md" "$RESULTS"
echo
cat "$WORK/table.md"
echo
log "table also written to $RESULTS"
if ((FAILED)); then
  die "some runs had non-200 answers, unexpected bodies, socket errors, lost messages or no requests (see above)"
fi
