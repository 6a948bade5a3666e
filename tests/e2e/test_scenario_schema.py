"""The JSON Schema for scenario files (emulator/scenario/scenario.schema.json, issue 9: "so editors
validate and complete them") accepts every bundled scenario (scenarios/*.yaml, the load profiles
of scenarios/load/) and the format example of emulator/scenario/README.md, and refuses what the
loader refuses: a step of no known kind, a misspelt key, a step with two kinds. The loader's side
(every step kind is in the schema) is tests/unit/scenario/schema_test.cpp.

It validates with python3-jsonschema (Debian's, scripts/dev.sh installs it), the way an editor's
YAML extension does: the YAML read as JSON (PyYAML), then Draft 2020-12 as the schema's $schema says.

Run: python3 -m unittest -v test_scenario_schema
"""

import glob
import json
import os
import re
import unittest

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(ROOT, "emulator", "scenario", "scenario.schema.json")


def validator():
    with open(SCHEMA) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def errors_of(check, document):
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                  for e in check.iter_errors(document))


class ScenarioSchema(unittest.TestCase):
    def setUp(self):
        self.check = validator()

    def test_the_schema_is_draft_2020_12(self):
        self.assertIs(type(self.check), jsonschema.Draft202012Validator)

    def test_every_bundled_scenario_is_valid(self):
        files = sorted(glob.glob(os.path.join(ROOT, "scenarios", "**", "*.yaml"), recursive=True))
        # The five seed apps' scenarios and the load profiles: a glob that found none proves nothing.
        self.assertGreaterEqual(len(files), 15, files)
        for path in files:
            with self.subTest(os.path.relpath(path, ROOT)):
                with open(path) as f:
                    document = yaml.safe_load(f)
                self.assertEqual(errors_of(self.check, document), [])

    def test_the_readme_example_is_valid(self):
        with open(os.path.join(ROOT, "emulator", "scenario", "README.md")) as f:
            blocks = re.findall(r"```yaml\n(.*?)```", f.read(), re.S)
        self.assertTrue(blocks)
        example = yaml.safe_load(blocks[0])
        self.assertGreater(len(example["steps"]), 10)
        self.assertEqual(errors_of(self.check, example), [])

    def test_what_the_loader_refuses_the_schema_refuses(self):
        bad = {
            "unknown step kind": {"steps": [{"wait": 3}]},
            "misspelt key in a step": {"steps": [{"call": {"service": "sqs", "action": "ListQueues"}, "matsh": "exact"}]},
            "two kinds in one step": {"steps": [{"send": {"client": "a", "message": "x"}, "drop": "a"}]},
            "a duration that is not one": {"steps": [{"advance": "soon"}]},
            "no table for stream records": {"steps": [{"expect_stream_records": {"count": 1}}]},
            "stream records without a check": {"steps": [{"expect_stream_records": {"table": "t"}}]},
            "no steps": {"name": "x"},
        }
        for what, document in bad.items():
            with self.subTest(what):
                self.assertNotEqual(errors_of(self.check, document), [])


if __name__ == "__main__":
    unittest.main()
