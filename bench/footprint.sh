#!/usr/bin/env bash
# Footprint of `fogbank serve`: how fast it starts, how much memory it holds idle and with 100,000
# items, and how long the bundled seed apps' templates take to load -- each beside the bare Beast
# server (bench/baseline_server.cpp) measured in the same run where that makes sense.
#
# What is measured (a Python client, fp.py below, starts every process and times it):
#   1. start to ready, median of STARTS starts each:
#      - "ready" is the line the server prints once it accepts connections ("fogbank listening on
#        http://..." / "baseline listening on http://..."), timed from just before the exec;
#        "health" is that plus one GET /_fogbank/health answered 200 on a new connection (the
#        baseline answers its fixed body, 200, to any path); "CPU" is the CPU time all the
#        process's threads used until the line (/proc/PID/task/*/schedstat), which a busy machine
#        moves far less than the wall time;
#      - fogbank with a fresh, empty --data-dir per start, and with --in-memory; the baseline;
#   2. idle memory, IDLE seconds after ready: VmRSS and VmHWM from /proc/PID/status (RssAnon and
#      RssFile too: most of an idle server's RSS is its code, mapped from the binary and libraries);
#   3. 100k items: ITEMS items (pk S "user#%05d", sk N, three attributes and a 64-character
#      string: ~150 bytes) written with BatchWriteItem (25 a request) by WRITERS client threads
#      (http.client, one connection each, a fake SigV4 header), then VmRSS/VmHWM; a Scan (COUNT)
#      checks every item is there, and VmRSS again after it; with a data directory the server is
#      stopped (SIGTERM) and started again STARTS times on the same directory: ready time and RSS;
#      in memory the same writes and the RSS after them;
#   4. templates: the bundled apps of fixtures/*/template.yaml (what `scripts/dev.sh serve` loads;
#      the five seed apps, the visitor counter twice: Node.js and C++), start to ready with them
#      minus start to ready without (same mode, same run), and the load time fogbank reports on
#      stderr ("fogbank: N templates loaded in X ms"). Lambda workers start on a function's first
#      invocation, so no worker cold start is in these numbers (none is invoked).
# Every process is started by fp.py and stopped by it (SIGTERM, then SIGKILL after 30 s); every
# wait is bounded (a start: 30 s; the writes: FILL_LIMIT s); only 127.0.0.1 is used.
#
# Environment (all optional):
#   STARTS=10          starts per measured configuration (the tables show the median)
#   IDLE=1             seconds between ready and reading the idle RSS
#   ITEMS=100000       items written in step 3      WRITERS=4  client threads writing them
#   FILL_LIMIT=300     seconds after which the writes stop (the run then fails)
#   SERVER_THREADS=2   fogbank --threads and baseline --threads
#   TEMPLATES="<repo>/fixtures/*/template.yaml"
#   BUILD_DIR=<repo>/build-bench                   where fogbank and the baseline are built
#   FOGBANK_BIN=<BUILD_DIR>/emulator/main/fogbank  use this fogbank binary (not rebuilt)
#   BASELINE_BIN=<BUILD_DIR>/bench/beast_baseline  the baseline (built with g++ -O2 when missing)
#   RESULTS=<BUILD_DIR>/footprint-results.md       the tables are also written here
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

export STARTS="${STARTS:-10}"
export IDLE="${IDLE:-1}"
export ITEMS="${ITEMS:-100000}"
export WRITERS="${WRITERS:-4}"
export FILL_LIMIT="${FILL_LIMIT:-300}"
export SERVER_THREADS="${SERVER_THREADS:-2}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
FOGBANK_BIN="${FOGBANK_BIN:-}"
BASELINE_BIN="${BASELINE_BIN:-$BUILD_DIR/bench/beast_baseline}"
RESULTS="${RESULTS:-$BUILD_DIR/footprint-results.md}"
if [[ -z "${TEMPLATES:-}" ]]; then
  TEMPLATES="$(printf '%s ' "$ROOT"/fixtures/*/template.yaml)"
fi
export TEMPLATES

BENCH_TAG=footprint
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_workspace fogbank-footprint
export WORK

need_apt python3 python3 || die "python3 is needed"

# --- the servers -------------------------------------------------------------------------
ensure_fogbank
ensure_baseline
export FOGBANK_BIN BASELINE_BIN

# --- the measuring client ----------------------------------------------------------------
cat >"$WORK/fp.py" <<'PY'
import http.client, io, json, os, re, select, shutil, signal, statistics, subprocess, sys, threading, time

WORK = os.environ["WORK"]
FOGBANK, BASELINE = os.environ["FOGBANK_BIN"], os.environ["BASELINE_BIN"]
STARTS, IDLE = int(os.environ["STARTS"]), float(os.environ["IDLE"])
ITEMS, WRITERS, FILL_LIMIT = int(os.environ["ITEMS"]), int(os.environ["WRITERS"]), float(os.environ["FILL_LIMIT"])
THREADS = os.environ["SERVER_THREADS"]
TEMPLATES = os.environ["TEMPLATES"].split()
START_LIMIT = 30.0
HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
           "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=host, Signature=x"}
TABLE = "footprint"
children = []
counter = [0]

def log(msg):
    print("[footprint] " + msg, file=sys.stderr, flush=True)

def fresh_dir():
    counter[0] += 1
    path = os.path.join(WORK, "data-%d" % counter[0])
    shutil.rmtree(path, ignore_errors=True)
    return path

def memory(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                fields[key] = int(value.split()[0])
    return fields

def cpu_ms(pid):
    """CPU time the process's threads have run so far (schedstat: ns), less noisy than wall time on
    a busy machine: what the start costs rather than how long it waited for a core."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:  # a thread that just ended
            pass
    return total / 1e6

class server:
    """One server process: started, timed to its listening line, stopped."""
    def __init__(self, argv, tag, stderr_name):
        self.tag = tag
        self.stderr_path = os.path.join(WORK, stderr_name)
        err = open(self.stderr_path, "wb")
        start = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        children.append(self.proc)
        err.close()
        buffered = b""
        deadline = start + START_LIMIT
        while b"\n" not in buffered:
            left = deadline - time.perf_counter()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                self.stop()
                sys.exit("%s: no listening line within %.0f s: %s" % (tag, START_LIMIT, self.stderr()[-500:]))
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                sys.exit("%s: exited before listening (status %s): %s" % (tag, self.proc.wait(), self.stderr()[-500:]))
            buffered += chunk
        self.ready_ms = (time.perf_counter() - start) * 1000
        self.cpu_ms = cpu_ms(self.proc.pid)
        match = re.match(rb"\w+ listening on http://127\.0\.0\.1:(\d+)", buffered)
        if not match:
            sys.exit("%s: unexpected first line %r" % (tag, buffered[:200]))
        self.port = int(match.group(1))
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", "/_fogbank/health")
        res = conn.getresponse()
        body = res.read()
        conn.close()
        self.health_ms = (time.perf_counter() - start) * 1000
        if res.status != 200:
            sys.exit("%s: health answered %d: %r" % (tag, res.status, body[:200]))

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def template_ms(self):
        match = re.search(r"fogbank: \d+ templates? loaded in ([0-9.]+) ms", self.stderr())
        return float(match.group(1)) if match else None

    def memory(self):
        return memory(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("%s: no exit 30 s after SIGTERM, killing it" % self.tag)
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        children.remove(self.proc)

def fogbank_argv(mode, data_dir=None, templates=()):
    argv = [FOGBANK, "serve", "--port", "0", "--threads", THREADS, "--seed", "1"]
    argv += ["--in-memory"] if mode == "memory" else ["--data-dir", data_dir or fresh_dir()]
    for t in templates:
        argv += ["--template", t]
    return argv

def starts(label, make_argv):
    """STARTS starts of one configuration: median ready/health ms and idle memory."""
    rows = []
    for i in range(STARTS):
        s = server(make_argv(), label, "stderr-%s-%d.txt" % (re.sub(r"\W+", "_", label), i))
        time.sleep(IDLE)
        mem = s.memory()
        rows.append(dict(ready=s.ready_ms, health=s.health_ms, cpu=s.cpu_ms, template=s.template_ms(), **mem))
        s.stop()
    med = lambda key: statistics.median(r[key] for r in rows) if all(r[key] is not None for r in rows) else None
    out = {k: med(k) for k in ("ready", "health", "cpu", "template", "VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads")}
    out["ready_min"] = min(r["ready"] for r in rows)
    out["ready_max"] = max(r["ready"] for r in rows)
    log("%-44s ready %6.1f ms (min %.1f, max %.1f), CPU %5.1f ms, health %6.1f ms, VmRSS %6.1f MiB, VmHWM %6.1f MiB%s"
        % (label, out["ready"], out["ready_min"], out["ready_max"], out["cpu"], out["health"], out["VmRSS"] / 1024,
           out["VmHWM"] / 1024, "" if out["template"] is None else ", templates %.1f ms" % out["template"]))
    return out

def call(conn, op, body):
    conn.request("POST", "/", json.dumps(body), dict(HEADERS, **{"X-Amz-Target": "DynamoDB_20120810." + op}))
    res = conn.getresponse()
    data = res.read()
    if res.status != 200:
        raise RuntimeError("%s answered %d: %s" % (op, res.status, data[:300]))
    return json.loads(data)

def item(n):
    return {"pk": {"S": "user#%05d" % (n // 100)}, "sk": {"N": str(n % 100)}, "name": {"S": "name-%d" % n},
            "score": {"N": str(n * 7 % 1000)}, "active": {"BOOL": n % 2 == 0}, "payload": {"S": "%064x" % (n * 2654435761)}}

def fill(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    call(conn, "CreateTable", {"TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]})
    for _ in range(100):
        if call(conn, "DescribeTable", {"TableName": TABLE})["Table"]["TableStatus"] == "ACTIVE":
            break
        time.sleep(0.1)
    conn.close()
    start = time.perf_counter()
    deadline = start + FILL_LIMIT
    errors = []
    written = [0] * WRITERS
    def writer(w):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            lo, hi = ITEMS * w // WRITERS, ITEMS * (w + 1) // WRITERS
            for first in range(lo, hi, 25):
                pending = [{"PutRequest": {"Item": item(n)}} for n in range(first, min(first + 25, hi))]
                for _ in range(20):  # UnprocessedItems are retried, a bounded number of times
                    if time.perf_counter() > deadline:
                        raise RuntimeError("writes not done within %.0f s" % FILL_LIMIT)
                    answer = call(c, "BatchWriteItem", {"RequestItems": {TABLE: pending}})
                    written[w] += len(pending) - len(answer.get("UnprocessedItems", {}).get(TABLE, []))
                    pending = answer.get("UnprocessedItems", {}).get(TABLE, [])
                    if not pending:
                        break
                else:
                    raise RuntimeError("items still unprocessed after 20 tries")
            c.close()
        except Exception as e:  # reported by the main thread
            errors.append(str(e))
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads: t.start()
    for t in threads: t.join()
    if errors:
        sys.exit("writing items failed: " + errors[0])
    seconds = time.perf_counter() - start
    log("%d items written in %.1f s (%.0f items/s, %d client threads)" % (sum(written), seconds, sum(written) / seconds, WRITERS))
    return seconds

def count(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    total, start_key = 0, None
    for _ in range(10000):  # pages of 1 MB: far fewer for 100k small items
        body = {"TableName": TABLE, "Select": "COUNT"}
        if start_key: body["ExclusiveStartKey"] = start_key
        answer = call(conn, "Scan", body)
        total += answer["Count"]
        start_key = answer.get("LastEvaluatedKey")
        if not start_key: break
    conn.close()
    if total != ITEMS:
        sys.exit("the table holds %d items, not %d" % (total, ITEMS))
    return total

def items_phase(mode):
    data_dir = fresh_dir() if mode == "data" else None
    s = server(fogbank_argv(mode, data_dir), "fogbank %s, 100k" % mode, "stderr-items-%s.txt" % mode)
    seconds = fill(s.port)
    time.sleep(IDLE)
    after_writes = s.memory()
    count(s.port)
    after_scan = s.memory()
    s.stop()
    out = {"writes_s": seconds, "after_writes": after_writes, "after_scan": after_scan}
    log("fogbank %-6s after %d items: VmRSS %.1f MiB, VmHWM %.1f MiB; after a full Scan: VmRSS %.1f MiB"
        % (mode, ITEMS, after_writes["VmRSS"] / 1024, after_writes["VmHWM"] / 1024, after_scan["VmRSS"] / 1024))
    if mode == "data":
        out["du_kb"] = int(subprocess.run(["du", "-sk", data_dir], capture_output=True, text=True).stdout.split()[0])
        out["restart"] = starts("fogbank data dir, restart with 100k items", lambda: fogbank_argv("data", data_dir))
        s = server(fogbank_argv("data", data_dir), "fogbank data, check", "stderr-items-check.txt")
        count(s.port)
        s.stop()
    return out

def main():
    http.client.parse_headers(io.BytesIO(b"\r\n"))  # its lazy imports, before any timing
    r = {}
    r["base"] = starts("baseline (Beast, fixed body)", lambda: [BASELINE, "--port", "0", "--threads", THREADS])
    r["data"] = starts("fogbank, empty data dir", lambda: fogbank_argv("data"))
    r["memory"] = starts("fogbank, in memory", lambda: fogbank_argv("memory"))
    r["data_t"] = starts("fogbank, empty data dir, %d templates" % len(TEMPLATES), lambda: fogbank_argv("data", templates=TEMPLATES))
    r["memory_t"] = starts("fogbank, in memory, %d templates" % len(TEMPLATES), lambda: fogbank_argv("memory", templates=TEMPLATES))
    r["items_data"] = items_phase("data")
    r["items_memory"] = items_phase("memory")
    json.dump(r, open(os.path.join(WORK, "results.json"), "w"))

try:
    main()
finally:
    for p in list(children):
        p.kill()
        p.wait()
PY

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "STARTS=$STARTS IDLE=${IDLE}s ITEMS=$ITEMS WRITERS=$WRITERS; $(wc -w <<<"$TEMPLATES") templates; load average now $LOAD_BEFORE"
python3 "$WORK/fp.py" &
PIDS+=("$!")
wait "${PIDS[-1]}" || die "the measuring client failed (see above)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------
python3 - "$WORK/results.json" >"$WORK/table.md" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
mib = lambda kb: "%.1f" % (kb / 1024)
ms = lambda v: "-" if v is None else "%.1f" % v
print("| configuration | ready ms (median) | min-max | CPU ms to ready | + health ms | VmRSS MiB | VmHWM MiB | RssAnon MiB | RssFile MiB | threads | templates ms (logged) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
n = len(os.environ["TEMPLATES"].split())
for key, label in (("base", "baseline (bench/baseline_server.cpp)"), ("data", "fogbank, empty --data-dir"),
                   ("memory", "fogbank, --in-memory"), ("data_t", "fogbank, empty --data-dir, %d templates" % n),
                   ("memory_t", "fogbank, --in-memory, %d templates" % n),
                   (None, "fogbank, --data-dir holding 100k items (restart)")):
    v = r[key] if key else r["items_data"]["restart"]
    print("| %s | %s | %s-%s | %s | %s | %s | %s | %s | %s | %d | %s |" % (label, ms(v["ready"]), ms(v["ready_min"]), ms(v["ready_max"]),
          ms(v["cpu"]), ms(v["health"]), mib(v["VmRSS"]), mib(v["VmHWM"]), mib(v["RssAnon"]), mib(v["RssFile"]), v["Threads"], ms(v["template"])))
print()
print("| after writing %s items | writes s | VmRSS MiB | VmHWM MiB | RssAnon MiB | VmRSS after a full Scan MiB | data dir on disk MiB |" % format(int(os.environ["ITEMS"]), ","))
print("|---|---:|---:|---:|---:|---:|---:|")
for key, label in (("items_data", "fogbank, --data-dir"), ("items_memory", "fogbank, --in-memory")):
    v = r[key]
    print("| %s | %.1f | %s | %s | %s | %s | %s |" % (label, v["writes_s"], mib(v["after_writes"]["VmRSS"]), mib(v["after_writes"]["VmHWM"]),
          mib(v["after_writes"]["RssAnon"]), mib(v["after_scan"]["VmRSS"]), mib(v["du_kb"]) if "du_kb" in v else "-"))
print()
print("Templates, with minus without: median ready ms, data dir %.1f, in memory %.1f; median CPU ms to ready, data dir %.1f, in memory %.1f." %
      (r["data_t"]["ready"] - r["data"]["ready"], r["memory_t"]["ready"] - r["memory"]["ready"],
       r["data_t"]["cpu"] - r["data"]["cpu"], r["memory_t"]["cpu"] - r["memory"]["cpu"]))
PY
{
  echo
  echo "STARTS=$STARTS starts per row (median; ready = exec to the listening line, CPU = CPU time of its threads until then, + health = and one GET /_fogbank/health answered)," \
    "memory read ${IDLE}s after ready; fogbank --threads $SERVER_THREADS --seed 1; $ITEMS items of ~150 bytes by BatchWriteItem from $WRITERS threads;" \
    "templates: $(for t in $TEMPLATES; do printf '%s ' "$(basename "$(dirname "$t")")"; done);" \
    "$(nproc) cores; load average $LOAD_BEFORE before, $LOAD_AFTER after; $(date -u +%Y-%m-%dT%H:%MZ)"
} >>"$WORK/table.md"

mkdir -p "$(dirname "$RESULTS")"
cp "$WORK/table.md" "$RESULTS"
echo
cat "$WORK/table.md"
echo
log "tables also written to $RESULTS"
