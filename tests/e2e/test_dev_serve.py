"""`scripts/dev.sh serve` as a whole (issue 9, "Main job"): fogbank started with every bundled app
(fixtures/*/template.yaml, the arguments scripts/dev.sh's own bundled_app_templates gives) prints,
for each app, the URLs to open and one-line commands to try it, and those commands work as printed
against the server: the `curl` lines of the HTTP and REST apps, the `python3 -m websockets` lines
(Debian's python3-websockets) and the `npx wscat -c` lines of the WebSocket apps (run here with the
wscat of tests/e2e/apigw_ws_js, which `npm ci` installs, instead of npx fetching it).

The apps' own behaviour is each one's test_seed_*.py; this test is what a user sees first.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_dev_serve
"""

import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import threading
import unittest

from fogbank_harness import FogbankServer, client_missing

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WSCAT = os.path.join(ROOT, "tests", "e2e", "apigw_ws_js", "node_modules", "wscat", "bin", "wscat")
# A command's bound: a Node.js function's first call starts its worker (a cold start).
WAIT = 60


def bundled_app_args(*serve_args):
    """What `scripts/dev.sh serve SERVE_ARGS` adds to `fogbank serve`: the script's own
    bundled_app_templates function, taken out of it and run by bash."""
    script = ('root="$1"; shift; eval "$(sed -n \'/^bundled_app_templates() {/,/^}/p\' "$root/scripts/dev.sh")"; '
              'bundled_app_templates "$@"')
    done = subprocess.run(["bash", "-c", script, "bash", ROOT, *serve_args], capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout.splitlines()


class Command:
    """A printed command run as a user runs it (through bash), its output read as it comes; stdin
    stays open until close(), as a terminal's does."""

    def __init__(self, argv, stdin_lines=()):
        # Debian's python3 first, as on the machine scripts/dev.sh set up (it installs
        # python3-websockets there); a python3 of another installation may lack the package.
        env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     cwd=ROOT, env=env, start_new_session=True)
        for line in stdin_lines:
            self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            # Without the terminal controls python3 -m websockets writes around each line.
            self.lines.put(re.sub(r"\x1b(\[[0-9;]*[A-Za-z]|[78])|\r", "", line.decode("utf-8", "replace")))
        self.lines.put(None)

    def until(self, pattern=None):
        """The output up to the first line matching `pattern` (or all of it if the command ends, or
        none comes within WAIT); then stdin is closed, which ends the WebSocket clients."""
        seen = []
        try:
            while pattern is None or not any(re.search(pattern, line) for line in seen):
                line = self.lines.get(timeout=WAIT)
                if line is None:
                    break
                seen.append(line)
        except queue.Empty:
            pass
        self.close()
        return "".join(seen)

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        self.proc.stdout.close()


class DevServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.args = bundled_app_args()
        cls.server = FogbankServer(extra_args=cls.args).start()
        cls.outputs, cls.local = {}, {}
        for line in cls.server.stderr(tail=None).splitlines():
            m = re.match(r"^fogbank: ([\w-]+): output (\w+) = (.*)$", line)
            if m:
                cls.outputs.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
            m = re.match(r"^fogbank: ([\w-]+): output (\w+) reaches fogbank (?:at|as) (.*)$", line)
            if m:
                cls.local.setdefault(m.group(1), {})[m.group(2)] = m.group(3)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def printed(self, stack, name):
        """An output as it reaches this server: its local form when the loader printed one."""
        return self.local.get(stack, {}).get(name) or self.outputs[stack][name]

    def test_every_bundled_template_is_loaded(self):
        folders = sorted(name for name in os.listdir(os.path.join(ROOT, "fixtures"))
                         if os.path.isfile(os.path.join(ROOT, "fixtures", name, "template.yaml")))
        self.assertEqual(self.args, [arg for name in folders
                                     for arg in ("--template", os.path.join(ROOT, "fixtures", name, "template.yaml"))])
        self.assertEqual(sorted(self.outputs), sorted(name.replace("_", "-") for name in folders))
        self.assertEqual(len(self.outputs), 6, self.outputs)
        # A --template of the user's own replaces the bundled apps.
        self.assertEqual(bundled_app_args("--port", "8000", "--template", "mine.yaml"), [])

    def test_each_app_prints_its_urls_and_a_curl_or_wscat_line(self):
        here = f"127.0.0.1:{self.server.port}/"
        for stack, outputs in sorted(self.outputs.items()):
            with self.subTest(stack):
                urls = [self.printed(stack, name) for name in outputs if re.search(r"(?i)(api|socket)url$", name)]
                self.assertTrue(urls, outputs)
                for url in urls:
                    self.assertRegex(url, rf"^(ws|http)://{re.escape(here)}(ws|http|rest)/[a-z0-9]{{10}}(/|$)")
                tries = {name: self.printed(stack, name) for name in outputs if name.startswith("TryIt")}
                self.assertTrue(tries, outputs)
                for line in tries.values():
                    self.assertIn(here, line)
                self.assertTrue(any(line.startswith(("curl ", "npx wscat -c ")) for line in tries.values()), tries)
                if any(url.startswith("ws://") for url in urls):
                    self.assertEqual(set(tries), {"TryIt", "TryItWscat"})
                    self.assertTrue(tries["TryIt"].startswith("python3 -m websockets "), tries)

    def test_the_curl_lines_work_as_printed(self):
        out = Command(["bash", "-c", self.printed("single-table", "TryIt")]).until()
        self.assertRegex(out, r'"name": ?"Ann"', out)
        # The chat's line lists alice's contacts with its unsigned token: a JSON list.
        out = Command(["bash", "-c", self.printed("chat", "TryIt") + " -s -w '\\n%{http_code}\\n'"]).until(r"^\d{3}$")
        body, status = out.strip().rsplit("\n", 1)
        self.assertEqual(status, "200", out)
        self.assertIsInstance(json.loads(body), list)

    def test_the_websocket_lines_work_as_printed(self):
        # Debian's websockets client: each line on stdin is a frame; "< ..." is what arrives.
        for stack in ["visitor-counter", "visitor-counter-cpp"]:
            with self.subTest(stack):
                out = Command(["bash", "-c", self.printed(stack, "TryIt")]).until(r'^< \{"count":\d+\}')
                self.assertRegex(out, r'(?m)^< \{"count":\d+\}', out)
        out = Command(["bash", "-c", self.printed("vote-sessions", "TryIt")],
                      stdin_lines=['{"action":"create"}']).until(r'"event":"created"')
        self.assertRegex(out, r'(?m)^< \{"event":"created","sessionId":"[^"]+"\}', out)
        out = Command(["bash", "-c", self.printed("backup-fanout", "TryIt")]).until(r"^Connected to ")
        self.assertRegex(out, r"(?m)^Connected to ws://.*\?userId=ann\.$", out)

    def test_the_wscat_lines_work_as_printed(self):
        node = shutil.which("node")
        if node is None or not os.path.exists(WSCAT):
            client_missing(self, f"no node or no {WSCAT}: run `npm ci` in tests/e2e/apigw_ws_js")
            return
        for stack, frame, pattern in [("visitor-counter", None, r'\{"count":\d+\}'),
                                      ("visitor-counter-cpp", None, r'\{"count":\d+\}'),
                                      ("vote-sessions", '{"action":"create"}', r'"event":"created"')]:
            with self.subTest(stack):
                argv = shlex.split(self.printed(stack, "TryItWscat"))
                self.assertEqual(argv[:3], ["npx", "wscat", "-c"])
                extra = ["-x", frame, "-w", "-1"] if frame else []
                out = Command([node, WSCAT, *argv[2:], *extra]).until(pattern)
                self.assertRegex(out, pattern, out)
        # The backup fan-out says nothing until a backup runs: wscat connects (a refused upgrade
        # would end it with an error and a non-zero status), waits a second and closes.
        argv = shlex.split(self.printed("backup-fanout", "TryItWscat"))
        self.assertEqual(argv[:3], ["npx", "wscat", "-c"])
        self.assertTrue(argv[3].endswith("?userId=ann"), argv)
        command = Command([node, WSCAT, *argv[2:], "-x", "{}", "-w", "1"])
        out = command.until()
        self.assertEqual(command.proc.returncode, 0, out)
        self.assertNotRegex(out, r"(?i)error", out)


if __name__ == "__main__":
    unittest.main()
