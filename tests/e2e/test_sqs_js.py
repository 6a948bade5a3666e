"""SQS through the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, JSON protocol).

Runs tests/e2e/sqs_js/sqs_test.mjs under `node` against the server: send, receive and delete with
message attributes (the SDK checks MD5s), queues, tags, permissions, dead-letter queues, move
tasks, FIFO queues and errors. The SDK comes from sqs_js/package-lock.json through `npm ci`, which
scripts/dev.sh runs before the tests (never this test). Without node or the installed SDK the test
fails under CI=true and is skipped, with the reason, elsewhere.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_sqs_js
"""

import json
import os
import shutil
import subprocess
import unittest

from fogbank_harness import FogbankTestCase, client_missing

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sqs_js")
SDK_DIR = os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-sqs")


def find_sdk():
    """(node path, None) when node and the SDK are installed, else (None, why not)."""
    node = shutil.which("node")
    if node is None:
        return None, "node is not installed (scripts/dev.sh installs Debian's nodejs and npm)"
    if not os.path.isdir(SDK_DIR):
        return None, (f"{SDK_DIR} is missing: run `npm ci` in {JS_DIR} "
                      "(scripts/dev.sh test does, before the tests)")
    return node, None


class SqsJsSdkTest(FogbankTestCase):

    def test_js_sdk_v3(self):
        node, why = find_sdk()
        if node is None:
            client_missing(self, f"no AWS SDK for JavaScript v3 to test with: {why}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        proc = subprocess.run([node, "sqs_test.mjs", self.server.endpoint], cwd=JS_DIR, env=env,
                              capture_output=True, timeout=120)
        out = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        self.assertTrue(out, f"no output from node:\n{proc.stderr.decode()[-4000:]}")
        result = json.loads(out[-1])
        self.assertEqual(result["failures"], [], f"under @aws-sdk/client-sqs {result['sdk']}")
        self.assertEqual(proc.returncode, 0, proc.stderr.decode()[-4000:])
        # Every check() of sqs_test.mjs ran: none of its sections stopped early. Change this
        # number with the script.
        self.assertEqual(result["checks"], 140)


if __name__ == "__main__":
    unittest.main()
