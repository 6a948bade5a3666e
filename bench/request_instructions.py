#!/usr/bin/env python3
"""Instructions per DynamoDB request over HTTP, counted by callgrind: a measure this noisy machine
cannot move.

wrk's req/s on this 2-core virtual machine swings by 30 % from run to run for the same binary
(bench/README.md), which hides any change smaller than that. Instruction counts do not depend on
what else the machine is doing: `valgrind --tool=callgrind` counts the same total for the same
binary and requests. This starts `fogbank serve --in-memory --threads 1` under callgrind, creates
a table and writes 1,000 items (pk "user#0000".."user#0099", sk 0..9, ~150 bytes, as the wrk
scripts do), then for each operation zeroes the counts, sends N requests on one keep-alive
connection (http.client, a fixed unverified SigV4 header, a seeded random generator), dumps the
counts and reports instructions per request: in all, and in the parts of the request path named
below (inclusive: a part includes what it calls). Several binaries are measured one after the
other, and the last columns divide each by the first.

    bench/request_instructions.py --bin build/emulator/main/fogbank [--bin OTHER] [--requests 2000] [--keep DIR]

--keep DIR copies each operation's callgrind dump to DIR/<binary number>-<operation>.callgrind, for
`callgrind_annotate` (which function the instructions go to) or KCachegrind.

Instructions are not time (a cache miss costs more than an add), but a change that removes work
shows here at once and to the last per cent. valgrind is needed here only, not by the build.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

OPS = ("GetItem", "PutItem", "Query")
# Parts of the request path: (label, substrings of callgrind's function names: the part is the
# costliest function that has one).
PARTS = (
    ("HTTP session (all)", ("fogbank::http::session::on_read_body(",)),
    # nlohmann's parser until 2026-12-02, fogbank's own since (emulator/core/src/json_parse.cpp).
    ("JSON request parse", ("nlohmann::json_abi_v3_11_2::detail::parser<", "fogbank::core::parse_json_within")),
    ("service call", ("fogbank::dispatch::registry::call(",)),
    ("item read", ("fogbank::dynamodb::service_impl::read_item(",)),
    ("RocksDB write", ("fogbank::storage::rocks_database::write(",)),
    ("response JSON", ("fogbank::core::append_json(",)),
)
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Date": "20240101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
                     "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00",
}


def log(message):
    print("[instructions] " + message, file=sys.stderr, flush=True)


def put_request(rng, i):
    return {"TableName": "bench", "Item": {
        "pk": {"S": "user#%04d" % (i % 100)}, "sk": {"N": str(i // 100 % 10)},
        "name": {"S": "name-%d" % i}, "score": {"N": str(rng.randint(0, 100000))},
        "active": {"BOOL": i % 2 == 0}, "payload": {"S": "%064x" % rng.getrandbits(256)}}}


def request_for(op, rng, i):
    if op == "PutItem":
        return put_request(rng, i)
    if op == "GetItem":
        return {"TableName": "bench", "Key": {"pk": {"S": "user#%04d" % (i % 100)}, "sk": {"N": str(i // 100 % 10)}}}
    return {"TableName": "bench", "KeyConditionExpression": "pk = :p", "Limit": 10,
            "ExpressionAttributeValues": {":p": {"S": "user#%04d" % (i % 100)}}}


def measure(binary, requests, scratch, keep=None):
    """{op: (instructions per request, {part: instructions per request})} for one binary."""
    out_file = os.path.join(scratch, "callgrind.out")
    process = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file,
                                binary, "serve", "--in-memory", "--port", "0", "--seed", "1", "--threads", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in process.stdout:
            if line.startswith("fogbank listening on"):
                port = int(line.rsplit(":", 1)[1])
                break
        if port is None:
            raise SystemExit("fogbank exited before it was ready: " + binary)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

        def call(op, body):
            connection.request("POST", "/", json.dumps(body), dict(HEADERS, **{"X-Amz-Target": "DynamoDB_20120810." + op}))
            response = connection.getresponse()
            text = response.read()
            if response.status != 200:
                raise SystemExit("%s answered %d: %s" % (op, response.status, text[:300]))
            return json.loads(text)

        call("CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]})
        rng = random.Random(1)
        for i in range(1000):
            call("PutItem", put_request(rng, i))
        results = {}
        for number, op in enumerate(OPS, 1):
            rng = random.Random(number)
            subprocess.run(["callgrind_control", "--zero", str(process.pid)], check=True, capture_output=True)
            for i in range(requests):
                answer = call(op, request_for(op, rng, i))
                if op == "GetItem" and "Item" not in answer:
                    raise SystemExit("GetItem found no item: %r" % answer)
                if op == "Query" and answer.get("Count") != 10:
                    raise SystemExit("Query did not return 10 items: %r" % answer.get("Count"))
            subprocess.run(["callgrind_control", "--dump=" + op, str(process.pid)], check=True, capture_output=True)
            dumps = sorted(f for f in os.listdir(scratch) if f.startswith("callgrind.out."))
            results[op] = parse_dump(os.path.join(scratch, dumps[-1]), requests)
            if keep:
                shutil.copyfile(os.path.join(scratch, dumps[-1]), keep % op)
            for f in dumps:
                os.remove(os.path.join(scratch, f))
            log("%s: %s %d instructions per request" % (os.path.basename(binary), op, results[op][0]))
        return results
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def parse_dump(path, requests):
    """Total and per-part inclusive instructions per request from a callgrind dump."""
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                               check=True, capture_output=True, text=True).stdout
    total, parts = 0, {}
    for line in annotated.splitlines():
        fields = line.split(None, 2)
        if len(fields) < 3 or not fields[0].replace(",", "").isdigit():
            continue
        count = int(fields[0].replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = count
        for label, needles in PARTS:
            if any(needle in line for needle in needles):
                parts[label] = max(parts.get(label, 0), count)
    return total / requests, {label: value / requests for label, value in parts.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", action="append", required=True, help="a fogbank binary (repeatable)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per operation (default 2000)")
    parser.add_argument("--keep", help="copy each operation's callgrind dump into this directory")
    options = parser.parse_args()
    if options.keep:
        os.makedirs(options.keep, exist_ok=True)
    measured = []
    with tempfile.TemporaryDirectory(prefix="fogbank-instructions-") as scratch:
        for binary in options.bin:
            keep = os.path.join(options.keep, "%d-%%s.callgrind" % (len(measured) + 1)) if options.keep else None
            measured.append(measure(os.path.abspath(binary), options.requests, scratch, keep))
    names = options.bin
    header = "| operation | part | " + " | ".join(names) + "".join(" | %s / %s" % (n, names[0]) for n in names[1:]) + " |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for op in OPS:
        for label in ("all",) + tuple(label for label, _ in PARTS):
            values = [m[op][0] if label == "all" else m[op][1].get(label) for m in measured]
            if all(v is None for v in values):
                continue
            cells = ["%d" % v if v is not None else "-" for v in values]
            ratios = ["%.3f" % (v / values[0]) if v and values[0] else "-" for v in values[1:]]
            print("| %s | %s | %s |" % (op, label, " | ".join(cells + ratios)))
    print("\ninstructions per request (callgrind, inclusive), %d requests per operation, fogbank --threads 1 --in-memory"
          % options.requests)


if __name__ == "__main__":
    main()
