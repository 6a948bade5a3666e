"""SQS through the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, JSON protocol).

Runs tests/e2e/sqs_js/sqs_test.mjs under `node` against the server: send, receive and delete with
message attributes (the SDK checks MD5s), a batch, and an error. Installs the SDK with
`npm install --no-audit --no-fund` in sqs_js/ when its node_modules is missing; skipped, with the
reason, when node or npm is unavailable or the install fails (no registry).

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_js
"""

import json
import os
import shutil
import subprocess
import unittest

from fogbank_harness import FogbankTestCase

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqs_js")
SDK_DIR = os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-sqs")


def prepare_sdk():
    """(node path, None) when the SDK is ready to run, else (None, why not)."""
    node = shutil.which("node")
    if node is None:
        return None, "node is not installed"
    if os.path.isdir(SDK_DIR):
        return node, None
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed, and sqs_js/node_modules is missing"
    proc = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True,
                          timeout=300)
    if proc.returncode != 0 or not os.path.isdir(SDK_DIR):
        return None, f"npm install failed (exit {proc.returncode}):\n{proc.stderr.decode()[-2000:]}"
    return node, None


class SqsJsSdkTest(FogbankTestCase):

    def test_js_sdk_v3(self):
        node, why = prepare_sdk()
        if node is None:
            self.skipTest(f"no AWS SDK for JavaScript v3 to test with: {why}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        proc = subprocess.run([node, "sqs_test.mjs", self.server.endpoint], cwd=JS_DIR, env=env,
                              capture_output=True, timeout=120)
        out = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        self.assertTrue(out, f"no output from node:\n{proc.stderr.decode()[-4000:]}")
        result = json.loads(out[-1])
        self.assertEqual(result["failures"], [], f"under @aws-sdk/client-sqs {result['sdk']}")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode()[-4000:])
        self.assertGreater(result["checks"], 15)


if __name__ == "__main__":
    unittest.main()
