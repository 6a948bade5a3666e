"""Test harness for fogbank's end-to-end tests.

Starts `fogbank serve` on a free loopback port (in memory, or on a data directory), waits for
its one "fogbank listening on http://127.0.0.1:PORT" line, and hands out the clients the tests
drive it with: boto3 (Debian's python3-boto3), the AWS CLI (/usr/bin/aws) and a raw signed JSON
request for the few wire details an old boto3 cannot express or does not parse.

Every wait here is bounded: the server must announce itself within START_TIMEOUT seconds, stop
within STOP_TIMEOUT seconds, and a CLI process is killed after CLI_TIMEOUT seconds.
"""

import http.client
import io
import itertools
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
from botocore.exceptions import ClientError

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 120.0
REGION = "us-east-1"
ACCOUNT = "000000000000"
ACCESS_KEY = "AKIDFOGBANKTEST"
SECRET_KEY = "fogbank-test-secret"
AWS_CLI = "/usr/bin/aws"
LISTEN_RE = re.compile(r"^fogbank listening on (http://127\.0\.0\.1:(\d+))\s*$")


def fogbank_bin():
    path = os.environ.get("FOGBANK_BIN")
    if not path:
        raise RuntimeError("FOGBANK_BIN is not set: point it at the built `fogbank` executable")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"FOGBANK_BIN={path!r} is not an executable file")
    return path


_name_counter = itertools.count(1)


def make_zip(files):
    """A deployment package: {name: text or bytes} zipped (deflated) in memory, as `zip` makes it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def unique_name(prefix="t"):
    """A table name no other test in this process uses (valid per [a-zA-Z0-9_.-]{3,255})."""
    return f"{prefix}-{next(_name_counter)}-{uuid.uuid4().hex[:8]}"


class ServerError(RuntimeError):
    pass


class FogbankServer:
    """One `fogbank serve` process. Use as a context manager or call start()/stop()."""

    def __init__(self, data_dir=None, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.endpoint = None
        self.port = None
        self._stderr_file = None
        self._drain_thread = None
        self._stdout_tail = []

    # ---- lifecycle ---------------------------------------------------------------------------

    def command(self):
        cmd = [fogbank_bin(), "serve"]
        if self.data_dir is None:
            cmd.append("--in-memory")
        else:
            cmd += ["--data-dir", str(self.data_dir)]
        cmd += ["--port", "0"] + self.extra_args
        return cmd

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        if self._stderr_file is not None:
            self._stderr_file.close()
        self._stderr_file = tempfile.TemporaryFile(mode="w+b")
        self._stdout_tail = []
        self.proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            close_fds=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        buf = b""
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._fail_start(f"no listening line within {START_TIMEOUT:.0f} s "
                                     f"(stdout so far: {buf!r})")
                if not sel.select(timeout=remaining):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                    self._fail_start(f"server exited with status {self.proc.returncode} before "
                                     f"listening (stdout: {buf!r})")
                buf += chunk
                if b"\n" in buf:
                    line, _, rest = buf.partition(b"\n")
                    m = LISTEN_RE.match(line.decode("utf-8", "replace"))
                    if not m:
                        self._fail_start(f"unexpected first stdout line {line!r}, expected "
                                         "'fogbank listening on http://127.0.0.1:PORT'")
                    self.endpoint = m.group(1)
                    self.port = int(m.group(2))
                    if rest:
                        self._stdout_tail.append(rest)
                    break
        finally:
            sel.close()
        # Keep draining stdout so that a chatty server can never block on a full pipe.
        self._drain_thread = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
        self._drain_thread.start()
        return self

    def _drain(self, proc):
        try:
            while True:
                chunk = proc.stdout.read1(65536) if hasattr(proc.stdout, "read1") else \
                    proc.stdout.read(65536)
                if not chunk:
                    return
                self._stdout_tail.append(chunk)
                del self._stdout_tail[:-64]
        except (OSError, ValueError):
            return

    def _fail_start(self, why):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
        raise ServerError(f"fogbank failed to start: {why}\ncommand: {' '.join(self.command())}\n"
                          f"stderr:\n{self.stderr()}")

    def stderr(self, tail=20000):
        """The server's stderr so far: its last `tail` characters (a failure message's worth), or
        all of it with tail=None (what start-up printed, e.g. every loaded template's outputs)."""
        if self._stderr_file is None:
            return ""
        self._stderr_file.flush()
        self._stderr_file.seek(0)
        text = self._stderr_file.read().decode("utf-8", "replace")
        return text if tail is None else text[-tail:]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill_9(self):
        """SIGKILL the server (no chance to flush anything) and reap it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT)
        self._close_pipes()

    def stop(self):
        """SIGTERM the server, wait for it, and require a clean exit status 0."""
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            code = self.proc.returncode
            self._close_pipes()
            raise AssertionError(f"fogbank was no longer running when stop() was called: it had "
                                 f"exited by itself (or was signalled by someone else) with "
                                 f"status {code}\nstderr:\n{self.stderr()}")
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
                self._close_pipes()
                raise AssertionError(f"fogbank did not exit within {STOP_TIMEOUT:.0f} s of "
                                     f"SIGTERM\nstderr:\n{self.stderr()}")
        code = self.proc.returncode
        self._close_pipes()
        if code != 0:
            raise AssertionError(f"fogbank exited with status {code} after SIGTERM, expected 0\n"
                                 f"stderr:\n{self.stderr()}")
        self._stderr_file.close()
        self._stderr_file = None

    def restart(self):
        """Stop cleanly (if running) and start again on the same data directory."""
        if self.running():
            self.stop()
        return self.start()

    def _close_pipes(self):
        if self.proc is not None and self.proc.stdout is not None:
            try:
                self.proc.stdout.close()
            except OSError:
                pass
        if self._drain_thread is not None:
            self._drain_thread.join(timeout=2)
            self._drain_thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.running():
            if exc[0] is None:
                self.stop()
            else:
                self.kill_9()
        return False

    # ---- clients -----------------------------------------------------------------------------

    def client(self, validate=True, service="dynamodb", region=None, credentials=None):
        """A boto3 client for this server; validate=False sends requests botocore would refuse;
        region (default REGION) goes into the SigV4 credential scope; credentials (an access key
        id and secret, default ACCESS_KEY and SECRET_KEY) sign its requests."""
        key, secret = credentials or (ACCESS_KEY, SECRET_KEY)
        cfg = botocore.config.Config(
            retries={"max_attempts": 1},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=4,
        )
        return boto3.session.Session().client(
            service,
            region_name=region or REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=cfg,
        )

    def raw(self, operation, payload, target_prefix="DynamoDB_20120810", timeout=60):
        """POST a SigV4-signed AWS JSON 1.0 request. Returns (HTTP status, parsed body, headers).

        For wire details Debian's boto3 1.26 cannot express (e.g. ReturnValuesOnConditionCheckFailure)
        or does not parse (extra error fields such as `Item`)."""
        body = json.dumps(payload).encode()
        url = self.endpoint + "/"
        req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"{target_prefix}.{operation}",
        })
        creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
        botocore.auth.SigV4Auth(creds, "dynamodb", REGION).add_auth(req)
        status, data, headers = self.post_signed(req, timeout)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")
        return status, parsed, headers

    def post_signed(self, req, timeout=60):
        """POST a botocore AWSRequest, signed by the caller, to "/" exactly as it stands. Returns
        (HTTP status, body bytes, lower-cased headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", "/", body=req.data, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            data = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        return resp.status, data, headers

    def http(self, method, path, body=b"", headers=None, timeout=30):
        """A plain HTTP request (no signature), e.g. to fogbank's own /_fogbank/... endpoints.
        Returns (HTTP status, parsed JSON body or text, lower-cased headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            response_headers = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")
        return resp.status, parsed, response_headers

    def cli_env(self, credentials=None):
        key, secret = credentials or (ACCESS_KEY, SECRET_KEY)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            # Keep the user's own configuration out of the test.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        })
        return env

    def aws(self, *args, timeout=CLI_TIMEOUT, credentials=None, process=False):
        """Run the AWS CLI against this server, signing with credentials (an access key id and
        secret; default ACCESS_KEY and SECRET_KEY): forked from a process that imported the CLI once
        (see run_aws_cli), or as /usr/bin/aws itself when process is true. Returns (exit code, stdout JSON or text, stderr)."""
        argv = ["--endpoint-url", self.endpoint, "--region", REGION, "--output", "json", *[str(a) for a in args]]
        code, out, err = run_aws_cli(argv, self.cli_env(credentials), timeout, process=process)
        parsed = out
        if out.strip():
            try:
                parsed = json.loads(out)
            except ValueError:
                parsed = out
        return code, parsed, err


# ---- the AWS CLI ------------------------------------------------------------------------------

_cli_lock = threading.Lock()
_cli_zygote = None        # the aws_cli_zygote.py process, started by the first call
_cli_zygote_failed = False


def run_aws_cli(argv, env, timeout=CLI_TIMEOUT, process=False):
    """Run the AWS CLI with argv and env; returns (exit code, stdout text, stderr text).

    Each call is a process of its own. A new /usr/bin/aws spends ~0.8 CPU-s importing botocore
    before it sends a byte, which made the CLI suites the longest tests in CI (~300 of ~1,000 s
    under ASan); so a call is forked from aws_cli_zygote.py, a process that has imported the CLI
    once and then runs what /usr/bin/aws runs (its one entry point, with the environment, the
    arguments and the exit code). A call while another one runs (a long poll with a send beside
    it), one with process=True, and every call if the zygote cannot start, run /usr/bin/aws
    itself. Each CLI suite checks that both print the same."""
    if not process and _cli_lock.acquire(blocking=False):
        try:
            result = _run_in_cli_zygote(argv, env, timeout)
            if result is not None:
                return result
        finally:
            _cli_lock.release()
    proc = subprocess.run([AWS_CLI, *argv], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _run_in_cli_zygote(argv, env, timeout):
    global _cli_zygote, _cli_zygote_failed
    if _cli_zygote_failed:
        return None
    if _cli_zygote is None:
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aws_cli_zygote.py")
        with open(AWS_CLI, encoding="utf-8") as f:
            interpreter = f.readline()[2:].strip()   # the script's own #! line: Debian's python3
        _cli_zygote = subprocess.Popen([interpreter, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True, env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    with tempfile.TemporaryDirectory(prefix="fogbank-cli-") as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        request = {"argv": list(argv), "env": env, "stdout": out, "stderr": err, "timeout": timeout}
        try:
            _cli_zygote.stdin.write(json.dumps(request) + "\n")
            _cli_zygote.stdin.flush()
            reply = _cli_zygote.stdout.readline()
        except OSError:
            reply = ""
        if not reply:
            _cli_zygote_failed = True
            return None
        code = json.loads(reply)["code"]
        if code == -signal.SIGKILL:
            raise subprocess.TimeoutExpired([AWS_CLI, *argv], timeout)
        with open(out, "rb") as o, open(err, "rb") as e:
            return code, o.read().decode("utf-8", "replace"), e.read().decode("utf-8", "replace")


# ---- assertions -----------------------------------------------------------------------------


def client_missing(test, why):
    """A client a suite needs (a newer boto3, the JavaScript SDK) is not there.

    Under CI=true that fails the test: scripts/dev.sh installs every client before the tests run,
    so a missing one is a broken setup, not a reason to pass. Elsewhere the test is skipped with
    the reason, so that a developer without the client still runs everything else."""
    if os.environ.get("CI") == "true":
        test.fail(f"{why}\n(under CI=true a missing client is a failure, not a skip)")
    test.skipTest(why)


def _message_matches(expected, actual):
    if expected is None:
        return True
    if isinstance(expected, re.Pattern):
        return actual is not None and expected.search(actual) is not None
    return expected == actual


def _describe(expected):
    if isinstance(expected, re.Pattern):
        return f"/{expected.pattern}/"
    return repr(expected)


def side_by_side(rows):
    """rows: (field, expected, actual) -> an aligned table for failure messages."""
    w0 = max(len("field"), *(len(r[0]) for r in rows))
    w1 = max(len("expected"), *(len(str(r[1])) for r in rows))
    lines = [f"{'field':<{w0}}  {'expected':<{w1}}  actual"]
    for field, exp, act in rows:
        mark = "" if str(exp) == str(act) else "   <-- differs"
        lines.append(f"{field:<{w0}}  {str(exp):<{w1}}  {act}{mark}")
    return "\n".join(lines)


def assert_client_error(test, fn, code, message=None, status=400):
    """Call fn(); it must raise botocore ClientError with this code, message and HTTP status.

    `message` is an exact string, a compiled regex (searched), or None (not checked).
    Returns the ClientError so the caller can check more (e.g. CancellationReasons)."""
    try:
        result = fn()
    except ClientError as e:
        err = e.response.get("Error", {})
        actual_code = err.get("Code")
        actual_message = err.get("Message")
        actual_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        ok = (actual_code == code and _message_matches(message, actual_message)
              and actual_status == status)
        if not ok:
            test.fail("wrong error\n" + side_by_side([
                ("Code", code, actual_code),
                ("Message", _describe(message) if message is not None else "(not checked)",
                 repr(actual_message)),
                ("HTTPStatusCode", status, actual_status),
            ]))
        return e
    test.fail("expected ClientError\n" + side_by_side([
        ("Code", code, "(no error)"),
        ("Message", _describe(message) if message is not None else "(not checked)", "(no error)"),
        ("HTTPStatusCode", status, "200"),
    ]) + f"\nresult: {result!r}"[:2000])


def assert_raw_error(test, response, code, message=None, status=400):
    """Check a FogbankServer.raw() response: __type (with or without its namespace), message, status."""
    status_actual, body, _ = response
    body = body if isinstance(body, dict) else {}
    type_ = body.get("__type", "")
    actual_code = type_.rsplit("#", 1)[-1] if type_ else None
    actual_message = body.get("message", body.get("Message"))
    ok = (actual_code == code and _message_matches(message, actual_message)
          and status_actual == status)
    if not ok:
        test.fail("wrong error\n" + side_by_side([
            ("__type", code, type_),
            ("message", _describe(message) if message is not None else "(not checked)",
             repr(actual_message)),
            ("HTTP status", status, status_actual),
        ]))
    return body


class FogbankTestCase(unittest.TestCase):
    """One server per test class, started in setUpClass and stopped (exit 0) in tearDownClass."""

    server = None
    ddb = None
    maxDiff = 8000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = FogbankServer().start()
        cls.ddb = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        if cls.ddb is not None and hasattr(cls.ddb, "close"):
            cls.ddb.close()
        server, cls.server = cls.server, None
        if server is not None:
            server.stop()
        super().tearDownClass()

    def assert_client_error(self, fn, code, message=None, status=400):
        return assert_client_error(self, fn, code, message, status)

    def assert_raw_error(self, response, code, message=None, status=400):
        return assert_raw_error(self, response, code, message, status)

    # ---- table helpers -----------------------------------------------------------------------

    def create_table(self, name=None, hash_key=("pk", "S"), range_key=None, client=None,
                     attributes=(), **extra):
        """Create a PAY_PER_REQUEST table (unless extra says otherwise) and return its name."""
        name = name or unique_name()
        client = client or self.ddb
        defs = {hash_key[0]: hash_key[1]}
        schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
        if range_key:
            defs[range_key[0]] = range_key[1]
            schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        for attr_name, attr_type in attributes:
            defs[attr_name] = attr_type
        args = {
            "TableName": name,
            "KeySchema": schema,
            "AttributeDefinitions": [{"AttributeName": k, "AttributeType": v}
                                     for k, v in defs.items()],
        }
        if "ProvisionedThroughput" not in extra and "BillingMode" not in extra:
            args["BillingMode"] = "PAY_PER_REQUEST"
        args.update(extra)
        resp = client.create_table(**args)
        self.assertEqual(resp["TableDescription"]["TableName"], name)
        return name


def table_arn(name):
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


if __name__ == "__main__":
    # Smoke check: start, print the endpoint, stop.
    with FogbankServer() as s:
        print(s.endpoint)
        print(s.client().list_tables())
    sys.exit(0)
