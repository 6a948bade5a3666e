"""`fogbank run scenarios/` (issue 9): every bundled scenario passes, and two runs with the same
seed write the same transcript byte for byte (Node.js handlers included: the chat's functions run
in worker processes with the service clock and seeded randomness). A changed seed changes ids and
not outcomes; a failing scenario makes the command exit 1 with the step, its file:line and a
diff, and --junit records it.

`fogbank run` starts no server of its own for the user to reach (only a loopback port for its
handlers' SDKs), so this test runs the command rather than the harness's `fogbank serve`.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_scenarios_run
"""

import json
import os
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCENARIOS = os.path.join(ROOT, "scenarios")
TIMEOUT = 300  # seconds: a hang fails the test instead of stalling ctest


def fogbank():
    path = os.environ.get("FOGBANK_BIN")
    if not path:
        raise RuntimeError("FOGBANK_BIN is not set: point it at the built `fogbank` executable")
    return path


class ScenariosRun(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def run_fogbank(self, *args):
        return subprocess.run([fogbank(), "run", *args], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=ROOT, check=False)

    def transcript(self, name, *args):
        path = os.path.join(self.dir.name, name)
        # scenarios/in_process/: scenarios with steps only the in-process runner has (handler
        # invocation counts, clock moves of minutes), which test_scenarios_endpoint cannot run.
        result = self.run_fogbank("scenarios/", "scenarios/in_process/", "--transcript", path, *args)
        self.assertEqual(result.returncode, 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        with open(path, "rb") as f:
            return f.read(), result.stdout

    def test_bundled_scenarios_pass_with_identical_transcripts(self):
        first, stdout = self.transcript("first.jsonl")
        second, _ = self.transcript("second.jsonl")
        self.assertIn("PASS chat over WebSocket", stdout)
        self.assertRegex(stdout, r"(?m)^\d+ passed, 0 failed$")
        self.assertGreater(len(first), 0)
        if first != second:
            a, b = first.decode().splitlines(), second.decode().splitlines()
            line = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            self.fail(f"transcripts differ at line {line + 1}:\n{a[line] if line < len(a) else '<end>'}\n"
                      f"{b[line] if line < len(b) else '<end>'}")
        events = [json.loads(line) for line in first.decode().splitlines()]
        kinds = {event["event"] for event in events}
        self.assertTrue({"scenario", "template", "step", "connect", "send", "frame", "invoke", "result", "call",
                         "passed"} <= kinds, kinds)

    def test_another_seed_changes_ids_not_outcomes(self):
        first, _ = self.transcript("seed1.jsonl")
        other, stdout = self.transcript("seed2.jsonl", "--seed", "12345")
        self.assertRegex(stdout, r"(?m)^\d+ passed, 0 failed$")
        ids = lambda text: [json.loads(line).get("connection_id") for line in text.decode().splitlines()
                            if json.loads(line)["event"] == "connect"]
        self.assertEqual(len(ids(first)), len(ids(other)))
        self.assertNotEqual(ids(first), ids(other))

    def test_a_failing_scenario_exits_1_with_a_diff_and_a_junit_report(self):
        bad = os.path.join(self.dir.name, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: wrong table count\n"
                    "steps:\n"
                    "  - call: {service: dynamodb, action: ListTables, input: {}}\n"
                    "    expect: {TableNames: [missing]}\n")
        junit = os.path.join(self.dir.name, "junit.xml")
        result = self.run_fogbank(bad, "--junit", junit)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("FAIL wrong table count", result.stdout)
        self.assertIn(f"step 1 (call) at {bad}:3:5:", result.stdout)
        self.assertIn("/TableNames: expected 1 elements, found 0", result.stdout)
        self.assertIn("--- expected\n+++ actual\n", result.stdout)
        suite = ElementTree.parse(junit).getroot().find("testsuite")
        self.assertEqual(suite.get("failures"), "1")
        self.assertEqual(suite.find("testcase").get("name"), "wrong table count")

    def test_a_malformed_scenario_names_line_and_column(self):
        bad = os.path.join(self.dir.name, "malformed.yaml")
        with open(bad, "w") as f:
            f.write("steps:\n  - advance: later\n")
        result = self.run_fogbank(bad)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{bad}:2:14: expected a duration such as 30s", result.stdout)

    def test_bad_usage_exits_2(self):
        self.assertEqual(self.run_fogbank().returncode, 2)
        self.assertEqual(self.run_fogbank("scenarios/", "--seed", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main()
