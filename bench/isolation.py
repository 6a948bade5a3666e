#!/usr/bin/env python3
"""Isolation benchmark: do worst-case-but-legal requests stall other tables, other services and
the health endpoint? (Issue 6: "a slow or large request to one table never stalls other tables,
other services or the health endpoint - measure it".) Driven by bench/isolation.sh, which builds
and starts fogbank; this file sets up the data, runs the phases and prints the report.

Small requests ("probes"), each kind from its own process on its own keep-alive connection,
paced at one request every PROBE_INTERVAL_MS:
  - DynamoDB GetItem of a seeded key of table `iso-a`;
  - DynamoDB PutItem of a small item on table `iso-a` (a write to another table than the
    worst-case writes);
  - SQS SendMessage (JSON protocol) of a 64-character body;
  - GET /_fogbank/health.
Their latency is measured alone first, then beside each worst-case kind in turn (one
connection, one process, looping the request for PHASE_SECONDS or MAX_HOSTILE requests,
whichever ends first), then beside all of them at once, and alone again last (the drift of the
machine during the run). The kinds:
  - control_cpu_spin: no request at all, a process spinning on one core: what the probes see
                  when the machine is just busier (it is left out of "all at once"; a phase
                  "control_cpu_spin xN" before "all at once" spins N processes, one for each
                  worst-case loop that "all at once" runs);
  - put_400k:     PutItem of an item just under 400 KB on table `iso-b`;
  - batch_25x400k: BatchWriteItem of 25 such items (about 10 MB of JSON);
  - scan_filter:  Scan of `iso-scan` (1 MB pages of small items) with a FilterExpression of
                  150 comparisons joined by 149 ORs (299 operators, under DynamoDB's 300) and
                  just under the 4 KB expression limit, that matches no item;
  - rejected_16m: a body just over the 16 MiB limit (answered 413, then drained);
  - tag_50:       TagResource of 50 tags (the limit) of maximal key and value length on iso-b;
  - deep_nested:  PutItem of an item of maps nested 29 deep, with a list of 2,000 numbers at
                  each level (about 60,000 attribute values; the deepest at level 31, where
                  DynamoDB allows 32);
  - transact_100: TransactWriteItems of 100 Puts (the limit) of ~35 KB items on iso-b.
Each worst-case answer is checked (its expected status; a 200 whose body says an item was left
unprocessed counts as bad) and so is every probe answer: any failure fails the run.

Every process talks only to 127.0.0.1 (the port given), every loop is bounded in count and
time, and the whole run stops by itself.

Usage: isolation.py PORT RESULTS_FILE
Environment: PHASE_SECONDS (6), PROBE_INTERVAL_MS (10), MAX_HOSTILE (100000 per phase and kind),
KINDS (space-separated subset of the kinds above; default all), SCAN_ITEMS (6000), REPEAT (1:
the whole sequence of phases is run this many times, and each row pools the samples of its
phase over the repeats).
"""

import json
import multiprocessing
import os
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"
PHASE_SECONDS = float(os.environ.get("PHASE_SECONDS", "6"))
PROBE_INTERVAL = float(os.environ.get("PROBE_INTERVAL_MS", "10")) / 1000.0
MAX_HOSTILE = int(os.environ.get("MAX_HOSTILE", "100000"))
REPEAT = int(os.environ.get("REPEAT", "1"))
SCAN_ITEMS = int(os.environ.get("SCAN_ITEMS", "6000"))
# No single answer may take longer than this; a probe or worst-case request that does fails the run.
SOCKET_TIMEOUT = 60.0
BODY_LIMIT = 16 * 1024 * 1024
ITEM_LIMIT = 400 * 1024

TABLE_A, TABLE_B, TABLE_SCAN, QUEUE = "iso-a", "iso-b", "iso-scan", "iso-queue"
AUTH = ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/{}/aws4_request, "
        "SignedHeaders=host, Signature=0123456789abcdef")


# ---- a minimal HTTP/1.1 keep-alive client -----------------------------------------------------

def request_bytes(method, path, headers, body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def aws_json(target, service, payload):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    return request_bytes("POST", "/", {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": target,
        "X-Amz-Date": "20240101T000000Z",
        "Authorization": AUTH.format(service),
    }, body)


def ddb(op, payload):
    return aws_json("DynamoDB_20120810." + op, "dynamodb", payload)


class Connection:
    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = b""

    def open(self):
        self.close()
        self.sock = socket.create_connection((HOST, self.port), timeout=SOCKET_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by the server")
        self.buf += chunk

    def roundtrip(self, data):
        """Sends one request, returns (status, body, closes). Opens the connection if needed."""
        if self.sock is None:
            self.open()
        self.sock.sendall(data)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        closes = headers.get("connection", "").lower() == "close"
        if closes:
            self.close()
        return status, body, closes


def call(port, data, expect=200):
    conn = Connection(port)
    try:
        status, body, _ = conn.roundtrip(data)
    finally:
        conn.close()
    if status != expect:
        raise RuntimeError(f"setup request answered {status}: {body[:300]!r}")
    return json.loads(body) if body else None


# ---- setup ------------------------------------------------------------------------------------

def create_table(port, name):
    call(port, ddb("CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}))
    for _ in range(100):
        table = call(port, ddb("DescribeTable", {"TableName": name}))["Table"]
        if table["TableStatus"] == "ACTIVE":
            return table["TableArn"]
        time.sleep(0.1)
    raise RuntimeError(f"table {name} did not become ACTIVE")


def batch_put(port, table, items):
    for i in range(0, len(items), 25):
        answer = call(port, ddb("BatchWriteItem", {"RequestItems": {table: [
            {"PutRequest": {"Item": item}} for item in items[i:i + 25]]}}))
        if answer.get("UnprocessedItems"):
            raise RuntimeError(f"seeding {table}: unprocessed items")


def setup(port):
    create_table(port, TABLE_A)
    table_b_arn = create_table(port, TABLE_B)
    create_table(port, TABLE_SCAN)
    batch_put(port, TABLE_A, [{"pk": {"S": f"a-{i:04d}"}, "v": {"S": "x" * 64}} for i in range(100)])
    # ~200 bytes each: a 1 MB page holds ~5,000 of them, each run through the 299-operator filter.
    batch_put(port, TABLE_SCAN, [{"pk": {"S": f"s-{i:06d}"}, "attr": {"S": f"value-{i}"},
                                  "pad": {"S": "p" * 160}} for i in range(SCAN_ITEMS)])
    queue_url = call(port, aws_json("AmazonSQS.CreateQueue", "sqs", {"QueueName": QUEUE}))["QueueUrl"]
    return table_b_arn, queue_url


# ---- the requests -----------------------------------------------------------------------------

def probe_requests(queue_url):
    return {
        "GetItem (table iso-a)": (ddb("GetItem", {"TableName": TABLE_A, "Key": {"pk": {"S": "a-0042"}}}),
                                  b'"Item"'),
        # A write to another table: DynamoDB writes share one lock (service_impl::write_mutex_).
        "PutItem (table iso-a)": (ddb("PutItem", {"TableName": TABLE_A, "Item": {
            "pk": {"S": "a-put"}, "v": {"S": "x" * 64}}, "ReturnConsumedCapacity": "TOTAL"}), b'"ConsumedCapacity"'),
        "SQS SendMessage": (aws_json("AmazonSQS.SendMessage", "sqs",
                                     {"QueueUrl": queue_url, "MessageBody": "m" * 64}), b'"MessageId"'),
        "GET /_fogbank/health": (request_bytes("GET", "/_fogbank/health", {}), b'"status"'),
    }


def big_item(key, size=ITEM_LIMIT - 1024):
    # Item size is the names' and values' UTF-8 bytes: stay just under the 400 KB limit.
    return {"pk": {"S": key}, "v": {"S": "x" * (size - len(key) - 3)}}


def nested_value(levels, width):
    value = {"L": [{"N": str(10000 + i)} for i in range(width)]}
    for _ in range(levels):
        value = {"M": {"n": {"L": [{"N": str(10000 + i)} for i in range(width)]}, "m": value}}
    return value


def hostile_requests(table_b_arn):
    """kind -> (request bytes, expected status, check(body) or None)."""
    filter_names = {"#attr": "attr"}
    filter_values = {}
    terms = []
    for i in range(150):
        filter_values[f":value{i:03d}"] = {"S": f"absent-value-{i:03d}"}
        terms.append(f"#attr = :value{i:03d}")
    filter_expression = " OR ".join(terms)
    # The expression alone, under DynamoDB's 4 KB limit (the operator count, 299, under 300).
    assert len(filter_expression) < 4096, len(filter_expression)
    no_unprocessed = lambda body: json.loads(body).get("UnprocessedItems") == {}  # noqa: E731
    return {
        # Sends nothing: a process that keeps one core busy, to tell the machine's own contention
        # (two cores shared with the clients and everything else running) from fogbank's.
        "control_cpu_spin": (None, None, None),
        "put_400k": (ddb("PutItem", {"TableName": TABLE_B, "Item": big_item("big-put")}), 200, None),
        "batch_25x400k": (ddb("BatchWriteItem", {"RequestItems": {TABLE_B: [
            {"PutRequest": {"Item": big_item(f"big-{i:02d}")}} for i in range(25)]}}), 200, no_unprocessed),
        "scan_filter": (ddb("Scan", {"TableName": TABLE_SCAN, "FilterExpression": filter_expression,
                                     "ExpressionAttributeNames": filter_names,
                                     "ExpressionAttributeValues": filter_values}), 200,
                        lambda body: json.loads(body).get("Count") == 0),
        "rejected_16m": (ddb("PutItem", b"{" + b" " * (BODY_LIMIT + 1024) + b"}"), 413, None),
        "tag_50": (ddb("TagResource", {"ResourceArn": table_b_arn, "Tags": [
            {"Key": f"k{i:02d}-" + "k" * 124, "Value": "v" * 256} for i in range(50)]}), 200, None),
        "deep_nested": (ddb("PutItem", {"TableName": TABLE_B, "Item": {
            "pk": {"S": "deep"}, "deep": nested_value(29, 2000)}}), 200, None),
        "transact_100": (ddb("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": TABLE_B, "Item": big_item(f"tx-{i:03d}", 35 * 1024)}} for i in range(100)]}),
            200, None),
    }


# ---- the processes ----------------------------------------------------------------------------

def probe_process(port, data, marker, start, deadline, results, name):
    conn = Connection(port)
    latencies, errors, first_error = [], 0, ""
    start.wait()
    next_at = time.monotonic()
    try:
        conn.open()
        while time.monotonic() < deadline.value:
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            next_at += PROBE_INTERVAL
            t0 = time.perf_counter()
            try:
                status, body, _ = conn.roundtrip(data)
            except (OSError, ConnectionError) as e:
                errors += 1
                first_error = first_error or repr(e)
                conn.open()
                continue
            latencies.append(time.perf_counter() - t0)
            if status != 200 or marker not in body:
                errors += 1
                first_error = first_error or f"{status} {body[:200]!r}"
    finally:
        conn.close()
        results.put(("probe", name, latencies, errors, first_error))


def hostile_process(port, data, expect, check, start, deadline, results, name):
    conn = Connection(port)
    latencies, errors, first_error = [], 0, ""
    start.wait()
    if data is None:
        # The control: one core's worth of work that is not fogbank's.
        spins = 0
        while time.monotonic() < deadline.value:
            spins += sum(range(1000))
        results.put(("hostile", name, [], 0, ""))
        return
    try:
        while time.monotonic() < deadline.value and len(latencies) < MAX_HOSTILE:
            t0 = time.perf_counter()
            try:
                status, body, _ = conn.roundtrip(data)
            except (OSError, ConnectionError) as e:
                errors += 1
                first_error = first_error or repr(e)
                conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            if status != expect or (check is not None and status == 200 and not check(body)):
                errors += 1
                first_error = first_error or f"{status} {body[:200]!r}"
    finally:
        conn.close()
        results.put(("hostile", name, latencies, errors, first_error))


def run_phase(port, probes, hostile):
    """Runs the probes beside `hostile` ({kind: (data, expect, check)}) for PHASE_SECONDS."""
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    deadline = ctx.Value("d", 0.0)
    procs = []
    for name, (data, marker) in probes.items():
        procs.append(ctx.Process(target=probe_process, args=(port, data, marker, start, deadline, results, name)))
    for name, (data, expect, check) in hostile.items():
        procs.append(ctx.Process(target=hostile_process,
                                 args=(port, data, expect, check, start, deadline, results, name)))
    for p in procs:
        p.start()
    time.sleep(0.5)  # let every process reach start.wait() with its request built
    deadline.value = time.monotonic() + PHASE_SECONDS
    start.set()
    out = {"probe": {}, "hostile": {}}
    for _ in procs:
        role, name, latencies, errors, first_error = results.get(timeout=PHASE_SECONDS + SOCKET_TIMEOUT + 30)
        out[role][name] = (latencies, errors, first_error)
    for p in procs:
        p.join(timeout=30)
    return out


# ---- report -----------------------------------------------------------------------------------

def pct(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100.0 * len(ordered))) - 1))]


def ms(seconds):
    return f"{seconds * 1000:.2f}"


def ratio(a, b):
    return f"{a / b:.1f}x" if b > 0 else "n/a"


def main():
    port, results_path = int(sys.argv[1]), sys.argv[2]
    t0 = time.monotonic()
    table_b_arn, queue_url = setup(port)
    print(f"[isolation] setup done in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    probes = probe_requests(queue_url)
    all_hostile = hostile_requests(table_b_arn)
    kinds = os.environ.get("KINDS", "").split() or list(all_hostile)
    unknown = [k for k in kinds if k not in all_hostile]
    if unknown:
        sys.exit(f"unknown KINDS {unknown}; known: {list(all_hostile)}")

    phases = [("alone", {})] + [(k, {k: all_hostile[k]}) for k in kinds]
    if len(kinds) > 1:
        together = {k: all_hostile[k] for k in kinds if all_hostile[k][0] is not None}
        # The control of "all at once": as many spinning processes as it runs worst-case loops,
        # so that what the machine's cores alone cost the probes can be told from fogbank's share.
        spinners = {f"spinner {i + 1}": (None, None, None) for i in range(len(together))}
        phases.append((f"control_cpu_spin x{len(together)}", spinners))
        phases.append(("all at once", together))
    # Alone again at the end: how far the machine itself drifted during the run.
    phases.append(("alone (again)", {}))
    measured = {label: {"probe": {}, "hostile": {}} for label, _ in phases}
    failed = False
    for rep in range(REPEAT):
        for label, hostile in phases:
            print(f"[isolation] phase: {label}" + (f" (repeat {rep + 1} of {REPEAT})" if REPEAT > 1 else ""),
                  file=sys.stderr)
            out = run_phase(port, probes, hostile)
            for role in ("probe", "hostile"):
                for name, (latencies, errors, first_error) in out[role].items():
                    pooled = measured[label][role].setdefault(name, ([], [0], [""]))
                    pooled[0].extend(latencies)
                    pooled[1][0] += errors
                    pooled[2][0] = pooled[2][0] or first_error
                    is_control = role == "hostile" and all_hostile.get(name, (None,))[0] is None
                    if errors or (not latencies and not is_control):
                        failed = True
                        print(f"[isolation]   {role} {name}: {len(latencies)} answers, {errors} errors; "
                              f"first: {first_error}", file=sys.stderr)
    measured = [(label, measured[label]) for label, _ in phases]

    alone = measured[0][1]["probe"]
    lines = [
        "| beside | probe | n | p50 ms | p99 ms | max ms | p50 ratio | p99 ratio | max ratio |"
        " worst-case requests | their p50 ms | their max ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, out in measured:
        hostile = out["hostile"]
        their = [v for lat, _, _ in hostile.values() for v in lat]
        count = sum(len(lat) for lat, _, _ in hostile.values())
        for name in probes:
            latencies = out["probe"][name][0]
            base = alone[name][0]
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                label, name, len(latencies), ms(pct(latencies, 50)), ms(pct(latencies, 99)),
                ms(max(latencies, default=float("nan"))),
                ratio(pct(latencies, 50), pct(base, 50)), ratio(pct(latencies, 99), pct(base, 99)),
                ratio(max(latencies, default=0), max(base, default=0)),
                count if hostile else "-", ms(statistics.median(their)) if their else "-",
                ms(max(their)) if their else "-"))
    lines.append("")
    lines.append("The worst-case requests themselves (every answer checked):")
    lines.append("")
    lines.append("| phase | kind | requests | p50 ms | p99 ms | max ms |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for label, out in measured:
        for name, (latencies, _, _) in out["hostile"].items():
            if not latencies:
                continue
            lines.append(f"| {label} | {name} | {len(latencies)} | {ms(pct(latencies, 50))} | "
                         f"{ms(pct(latencies, 99))} | {ms(max(latencies, default=float('nan')))} |")
    load = open("/proc/loadavg").read().split()[:3]
    lines.append("")
    lines.append(f"{PHASE_SECONDS:g} s per phase{f' x {REPEAT} repeats (samples pooled)' if REPEAT > 1 else ''}, probes every {PROBE_INTERVAL * 1000:g} ms each, one connection "
                 f"per probe and per worst-case kind; {os.cpu_count()} cores; load average {' '.join(load)} "
                 f"after; {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}")
    table = "\n".join(lines) + "\n"
    with open(results_path, "w") as f:
        f.write(table)
    print(table)
    if failed:
        sys.exit("some probe or worst-case request failed (see above)")


if __name__ == "__main__":
    main()
