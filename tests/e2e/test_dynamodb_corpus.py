"""The DynamoDB request -> response corpus (tests/corpus/dynamodb/*.json), sent over HTTP.

Every case of the corpus is a request with the answer DynamoDB gives to it, each citing where
that answer is written down (tests/corpus/README.md describes the format). This runner sends each
case, after its setup steps, to one `fogbank serve` as a signed AWS JSON 1.0 request and compares
fogbank's answer with DynamoDB's. Each case is a subTest, so one difference does not hide the
others; a difference prints the expected and the actual answer side by side.

The expectations come from AWS, never from fogbank: a case fogbank answers differently is a
fogbank bug (or a corpus bug, to be shown wrong with a better source), not an expectation to edit.
"""

import glob
import json
import os
import unittest

from fogbank_harness import FogbankTestCase, side_by_side, unique_name

CORPUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "corpus",
                          "dynamodb")
MIN_CASES = 50
CASE_KEYS = {"name", "source", "setup", "operation", "request", "expect"}
EXPECT_KEYS = {"error", "message", "message_contains", "status", "body", "response", "absent"}
PLACEHOLDERS = ("$table", "$table2")


def load_corpus():
    """[(file name, case)] for every case of every corpus file, in file and case order."""
    cases = []
    for path in sorted(glob.glob(os.path.join(CORPUS_DIR, "*.json"))):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for case in data["cases"]:
            cases.append((os.path.basename(path), case))
    return cases


def expand(value, names):
    """The case's JSON with each string or object key that is a table placeholder replaced by the
    case's table name, and each {"$repeat": s, "times": n} object by s repeated n times."""
    if isinstance(value, dict):
        if set(value) == {"$repeat", "times"}:
            return value["$repeat"] * value["times"]
        return {names.get(k, k): expand(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


def strings_with_placeholder_inside(value):
    """Strings (and keys) that hold a placeholder without being one: the corpus's readers only
    replace whole strings."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += [k] if "$table" in k and k not in PLACEHOLDERS else []
            found += strings_with_placeholder_inside(v)
    elif isinstance(value, list):
        for v in value:
            found += strings_with_placeholder_inside(v)
    elif isinstance(value, str) and "$table" in value and value not in PLACEHOLDERS:
        found.append(value[:80])
    return found


def short(value, limit=600):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def error_code(body):
    type_ = body.get("__type", "") if isinstance(body, dict) else ""
    return type_.rsplit("#", 1)[-1] if type_ else None


def error_message(body):
    if not isinstance(body, dict):
        return None
    return body.get("message", body.get("Message"))


class DynamoDBCorpusTest(FogbankTestCase):

    def test_corpus_is_readable_and_big_enough(self):
        cases = load_corpus()
        self.assertGreaterEqual(len(cases), MIN_CASES,
                                f"{CORPUS_DIR} holds {len(cases)} cases, expected at least "
                                f"{MIN_CASES}")
        names = [case.get("name") for _, case in cases]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        self.assertEqual(duplicates, [], "case names must be unique")
        for file_name, case in cases:
            with self.subTest(case=f"{file_name}: {case.get('name')}"):
                self.assertEqual(set(case) - CASE_KEYS, set(), "unknown keys in the case")
                for key in ("name", "source", "operation", "request", "expect"):
                    self.assertIn(key, case)
                self.assertTrue(case["source"].strip(), "every case cites its source")
                expect = case["expect"]
                self.assertEqual(set(expect) - EXPECT_KEYS, set(), "unknown keys in expect")
                self.assertNotEqual("error" in expect, "response" in expect,
                                    "expect holds exactly one of error and response")
                self.assertEqual(strings_with_placeholder_inside(
                    [case.get("setup", []), case["request"], expect]), [],
                    "placeholders must be whole strings")
                if "error" in expect:
                    self.assertFalse({"response", "absent"} & set(expect))
                    self.assertIsInstance(expect.get("message_contains", ""), str)
                else:
                    self.assertFalse({"message", "message_contains", "status", "body"}
                                     & set(expect))

    def test_corpus(self):
        cases = load_corpus()
        self.assertGreaterEqual(len(cases), MIN_CASES)
        for file_name, case in cases:
            with self.subTest(case=f"{file_name}: {case['name']}"):
                self.run_case(case)

    # ---- one case ----------------------------------------------------------------------------

    def run_case(self, case):
        names = {"$table": unique_name("corpus"), "$table2": unique_name("corpus2")}
        assert set(names) == set(PLACEHOLDERS)
        for i, step in enumerate(case.get("setup", [])):
            request = expand(step["request"], names)
            status, body, _ = self.server.raw(step["operation"], request)
            if status != 200:
                self.fail(f"setup step {i + 1} ({step['operation']}) failed with HTTP {status}: "
                          f"{short(body)}\nrequest: {short(request)}")
        request = expand(case["request"], names)
        status, body, _ = self.server.raw(case["operation"], request)
        expect = expand(case["expect"], names)
        if "error" in expect:
            self.check_error(case, expect, status, body)
        else:
            self.check_response(case, expect, status, body)

    def check_error(self, case, expect, status, body):
        want_status = expect.get("status", 400)
        rows = [("HTTP status", want_status, status),
                ("__type", expect["error"], error_code(body))]
        ok = status == want_status and error_code(body) == expect["error"]
        message = error_message(body)
        if "message" in expect:
            rows.append(("message", repr(expect["message"]), repr(message)))
            ok = ok and message == expect["message"]
        if "message_contains" in expect:
            fragment = expect["message_contains"]
            rows.append(("message contains", repr(fragment), repr(message)))
            ok = ok and message is not None and fragment in message
        for key, value in expect.get("body", {}).items():
            actual = body.get(key) if isinstance(body, dict) else None
            rows.append((key, short(value), short(actual)))
            ok = ok and actual == value
        if not ok:
            self.fail(self.describe(case, rows, body))

    def check_response(self, case, expect, status, body):
        rows = [("HTTP status", 200, status)]
        ok = status == 200 and isinstance(body, dict)
        actual_body = body if isinstance(body, dict) else {}
        for key, value in expect["response"].items():
            actual = actual_body.get(key, "(absent)")
            rows.append((key, short(value), short(actual)))
            ok = ok and key in actual_body and actual_body[key] == value
        for key in expect.get("absent", []):
            rows.append((key, "(absent)", short(actual_body.get(key, "(absent)"))))
            ok = ok and key not in actual_body
        if not ok:
            self.fail(self.describe(case, rows, body))

    @staticmethod
    def describe(case, rows, body):
        return (f"fogbank's answer differs from DynamoDB's\ncase: {case['name']}\n"
                f"source: {case['source']}\n{side_by_side(rows)}\n"
                f"whole response: {short(body, 2000)}")


if __name__ == "__main__":
    unittest.main()
