#!/usr/bin/env python3
"""Regenerate emulator/main/startup_functions.txt: the functions `fogbank serve` runs to start.

Why: most of an idle server's memory is pages of its own binary (bench/README.md, "Idle RSS,
fourth pass"). The kernel maps the 64 KiB around every page of code that faults, so the ~1.2 MiB
of code a start runs, scattered over the 12 MiB of .text, kept most of .text resident. Linked in
the order this list gives (lld's --symbol-ordering-file, emulator/main/CMakeLists.txt), that code
lies together at the start of .text.

How: the server is started under `valgrind --tool=callgrind` (instruction counts only, no timing:
the same binary and arguments give the same list on any machine) in the ways a user starts it,
each until it is ready, has answered GET /_fogbank/health (what harnesses and container health
checks ask first) and idled a second, then stopped with SIGINT:
  - in memory;
  - with an empty data directory, then again on the same directory (a restart: RocksDB's recovery);
  - in memory with the bundled apps' templates (what `scripts/dev.sh serve` loads).
Every function of the fogbank binary that ran is listed, those that ran in more of these starts
first (the code every start needs is then the densest), each group sorted by name (a stable list:
regenerated, it changes only where the code did). Names are mangled, as the linker wants them.

The list goes stale as the code changes: a renamed or new function is then placed where the
linker would put it anyway (the link does not warn about names it does not find), which costs
memory, not correctness. Regenerate after large changes, with a build of the same compiler:

    scripts/startup_order.py [--bin build/emulator/main/fogbank] [--out emulator/main/startup_functions.txt]

valgrind is needed here only, not by the build.
"""

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_LIMIT_S = 300  # a start under callgrind takes ~50 times as long as without


def log(message):
    print("startup_order: " + message, file=sys.stderr, flush=True)


def profile(binary, args, out_file, idle_s):
    """Runs `fogbank serve ARGS` under callgrind until ready + idle_s, stops it, returns its profile file."""
    command = ["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
               "--compress-pos=no", "--callgrind-out-file=" + out_file, binary, "serve", "--port", "0",
               "--threads", "2", "--seed", "1"] + args
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready = threading.Event()
    endpoint = []

    def watch():
        for line in process.stdout:
            if line.startswith("fogbank listening on"):
                endpoint.append(line.split()[-1])
                ready.set()
    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    if not ready.wait(START_LIMIT_S):
        process.kill()
        process.wait()
        raise SystemExit("startup_order: fogbank did not get ready in %d s: %s" % (START_LIMIT_S, " ".join(command)))
    # What a harness or a container's health check does first (bench/footprint.sh too).
    host_port = endpoint[0].split("//", 1)[1]
    connection = http.client.HTTPConnection(host_port, timeout=START_LIMIT_S)
    connection.request("GET", "/_fogbank/health")
    status = connection.getresponse().status
    connection.close()
    if status != 200:
        raise SystemExit("startup_order: GET /_fogbank/health answered %d" % status)
    time.sleep(idle_s)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(START_LIMIT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise SystemExit("startup_order: fogbank did not stop after SIGINT")
    reader.join(5)
    return out_file


def functions_of(profile_file, binary):
    """The functions of `binary` that ran, in the order the profile first names them."""
    binary = os.path.realpath(binary)
    names, seen = [], set()
    in_binary = False
    with open(profile_file, errors="replace") as lines:
        for line in lines:
            if line.startswith("ob="):
                in_binary = os.path.realpath(line[3:].strip()) == binary
            elif line.startswith("fn=") and in_binary:
                name = line[3:].strip()
                # Names callgrind could not find a symbol for are addresses ("0x...").
                if name and not name.startswith("0x") and name not in seen:
                    seen.add(name)
                    names.append(name)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "emulator", "main", "fogbank"))
    parser.add_argument("--out", default=os.path.join(ROOT, "emulator", "main", "startup_functions.txt"))
    parser.add_argument("--idle", type=float, default=1.0, help="seconds profiled after ready")
    options = parser.parse_args()

    templates = []
    for app in sorted(os.listdir(os.path.join(ROOT, "fixtures"))):
        path = os.path.join(ROOT, "fixtures", app, "template.yaml")
        if os.path.isfile(path):
            templates += ["--template", path]

    with tempfile.TemporaryDirectory(prefix="fogbank-order-") as scratch:
        data_dir = os.path.join(scratch, "data")
        starts = [
            ("in memory", ["--in-memory"]),
            ("empty data directory", ["--data-dir", data_dir]),
            ("restart on that directory", ["--data-dir", data_dir]),
            ("in memory with the bundled apps' templates", ["--in-memory"] + templates),
        ]
        runs = []
        for number, (label, args) in enumerate(starts, 1):
            log("%d/%d: %s" % (number, len(starts), label))
            profile_file = profile(options.bin, args, os.path.join(scratch, "callgrind.%d" % number), options.idle)
            runs.append(functions_of(profile_file, options.bin))
            log("    %d functions" % len(runs[-1]))

    # Rank: in how many starts a function ran (more first), then by name. Not in the order they
    # ran: threads make that differ from run to run, and a list that only regroups would show as
    # thousands of changed lines; within the group, order does not matter to memory.
    count = {}
    for run in runs:
        for name in run:
            count[name] = count.get(name, 0) + 1
    ordered = sorted(count, key=lambda name: (-count[name], name))
    if not ordered:
        raise SystemExit("startup_order: no function of %s in the profiles (was it built without symbols?)" % options.bin)

    with open(options.out, "w") as out:
        out.write("# The functions `fogbank serve` runs to start, in link order (lld --symbol-ordering-file).\n")
        out.write("# Generated by scripts/startup_order.py (which says why); do not edit by hand.\n")
        for name in ordered:
            out.write(name + "\n")
    log("wrote %d functions to %s" % (len(ordered), options.out))


if __name__ == "__main__":
    main()
