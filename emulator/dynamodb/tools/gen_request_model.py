#!/usr/bin/env python3
"""Generates emulator/dynamodb/src/request_model_<service>.cpp: DynamoDB's (or DynamoDB Streams')
request shapes as its front end checks them before an operation runs (request_validation.cpp
walks the table).

What is taken from botocore's model: every input shape reachable from the operations fogbank
serves (OPERATIONS below), each member's type, `required`, and the constraints `min`, `max`,
`pattern` and `enum`.

What is DynamoDB's and not botocore's (tools/dynamodb_orders.json, each entry with its source):
the order in which DynamoDB reports the members of a structure ("N validation errors detected:
...") and the order of an enum's values in its message. Members and values the evidence does not
cover follow, in botocore's order.

Adjustments, each for a reason:
- TableArn (botocore >= 1.35 lets TableName carry a table ARN) is checked as TableName (3-255
  characters, [a-zA-Z0-9_.-]+): fogbank does not take table ARNs in TableName, and DynamoDB's
  TableName messages (dynalite's and moto's tests) are the TableName shape's.
- AttributeValue is not walked: attribute_value.cpp validates values with DynamoDB's own
  messages (empty sets, numbers, nesting depth), which are not model constraints.

Usage: emulator/dynamodb/tools/gen_request_model.py [--service dynamodb|streams] [--model PATH]
                                                   [--orders PATH] [--out PATH]
  --model  botocore's <dynamodb|dynamodbstreams>/2012-08-10/service-2.json(.gz); default: the pyenv
           python's botocore
  --orders tools/dynamodb_orders.json (default beside this script)
"""

import argparse
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL_GLOB = ("/root/.pyenv/versions/*/lib/python3*/site-packages/botocore/data/{model}/"
                      "2012-08-10/service-2.json*")
DEFAULT_ORDERS = os.path.join(HERE, "dynamodb_orders.json")
DEFAULT_OUT = os.path.join(HERE, "..", "src", "request_model_{service}.cpp")
# Per service: botocore's model directory and the accessor request_model.hpp declares.
SERVICES = {"dynamodb": ("dynamodb", "dynamodb_model"), "streams": ("dynamodbstreams", "streams_model")}

# The operations fogbank serves (service.cpp's and streams.cpp's tables; unit tests check they agree).
STREAMS_OPERATIONS = ["DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"]
OPERATIONS = [
    "BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "CreateBackup", "CreateTable",
    "DeleteBackup", "DeleteItem", "DeleteTable", "DescribeBackup", "DescribeContinuousBackups",
    "DescribeEndpoints", "DescribeLimits", "DescribeTable", "DescribeTimeToLive", "ExecuteStatement",
    "ExecuteTransaction", "GetItem", "ListBackups", "ListTables", "ListTagsOfResource", "PutItem",
    "Query", "RestoreTableFromBackup", "Scan", "TagResource", "TransactGetItems",
    "TransactWriteItems", "UntagResource", "UpdateContinuousBackups", "UpdateItem", "UpdateTable",
    "UpdateTimeToLive",
]

KINDS = {
    "structure": "structure", "list": "list", "map": "map", "string": "string",
    "integer": "integer", "long": "long_integer", "boolean": "boolean", "blob": "blob",
    "double": "double_number", "timestamp": "timestamp",
}

# The patterns the walked shapes carry, each checked by a named matcher (no regex engine on
# every request).
PATTERNS = {"[a-zA-Z0-9_.-]+": "table_name"}

OPAQUE = {"AttributeValue": "attribute_value"}
# Attribute names as the keys of an item, a key or a condition map, and as the values of
# ExpressionAttributeNames, are measured in bytes by attribute_value.cpp and expressions.cpp, which
# answer DynamoDB's "Attribute name is too large, must be less than 65536 bytes" (measured against
# AWS, ExtendDB/extenddb#365) rather than a model constraint: there they are plain strings.
NAME_IN_MAP = "AttributeName(in a map)"
SUBSTITUTE = {"TableArn": "TableName"}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def cpp_string(text):
    return json.dumps(text)  # a JSON string literal is a valid C++ literal for ASCII text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", choices=sorted(SERVICES), default="dynamodb")
    parser.add_argument("--model")
    parser.add_argument("--orders", default=DEFAULT_ORDERS)
    parser.add_argument("--out")
    args = parser.parse_args()
    model_dir, accessor = SERVICES[args.service]
    operations = OPERATIONS if args.service == "dynamodb" else STREAMS_OPERATIONS
    out_path = args.out or DEFAULT_OUT.format(service=args.service)
    model_path = args.model
    if not model_path:
        found = sorted(glob.glob(DEFAULT_MODEL_GLOB.format(model=model_dir)))
        if not found:
            sys.exit("no botocore DynamoDB model found; pass --model")
        model_path = found[-1]
    model = load(model_path)
    shapes = model["shapes"]
    orders = load(args.orders) if os.path.exists(args.orders) else {}
    # The most recent observation first (dynalite's newer tests for Query and Scan), then the order
    # its validations files keep (confirmed by its older full-message tests).
    member_orders = {k: v.get("newer_observed_order", []) + v["order"]
                     for k, v in orders.get("member_orders", {}).items()}
    enum_orders = {k: v["order"] for k, v in orders.get("enum_orders", {}).items()}

    def resolved(name):
        return SUBSTITUTE.get(name, name)

    shapes[NAME_IN_MAP] = {"type": "string"}

    # Shapes in the order first reached (depth-first from each operation's input).
    index = {}
    listing = []

    def reach(name, path):
        name = resolved(name)
        if name in path:
            sys.exit("recursive shape %s outside AttributeValue: give it a depth limit" % name)
        if name in index:
            return
        index[name] = len(listing)
        listing.append(name)
        if name in OPAQUE:
            return
        if name == NAME_IN_MAP:
            return
        shape = shapes[name]
        for member in ordered_members(name, shape):
            reach(shape["members"][member]["shape"], path | {name})
        for part in ("member", "key", "value"):
            if part in shape:
                reach(part_shape(shape, part), path | {name})

    def part_shape(shape, part):
        target = resolved(shape[part]["shape"])
        if shape["type"] == "map" and target == "AttributeName":
            return NAME_IN_MAP
        return target

    def ordered_members(name, shape):
        members = list(shape.get("members", {}))
        wanted = list(dict.fromkeys(m for m in member_orders.get(name, []) if m in members))
        return wanted + [m for m in members if m not in wanted]

    def ordered_enum(name, values):
        wanted = [v for v in enum_orders.get(name, []) if v in values]
        return wanted + [v for v in values if v not in wanted]

    for operation in operations:
        reach(model["operations"][operation]["input"]["shape"], frozenset())

    out = []
    out.append("// Generated by emulator/dynamodb/tools/gen_request_model.py; do not edit. Regenerate after a")
    out.append("// model change and review the diff.")
    out.append("//   from botocore/data/%s/2012-08-10/%s" % (model_dir, os.path.basename(model_path)))
    out.append("//   orders from tools/dynamodb_orders.json")
    out.append("")
    out.append('#include "request_model.hpp"')
    out.append("")

    out.append("namespace fogbank::dynamodb::request_model {")
    out.append("namespace %s_tables {" % args.service)
    out.append("namespace {")
    out.append("")
    for name in listing:
        if name in OPAQUE:
            continue
        shape = shapes[name]
        if shape["type"] == "structure" and shape.get("members"):
            if len(shape["members"]) > 64:
                sys.exit("%s has %d members; request_validation.cpp's max_structure_members is 64"
                         % (name, len(shape["members"])))
            required = set(shape.get("required", []))
            out.append("constexpr member %s_members[] = {" % name)
            for member in ordered_members(name, shape):
                target = index[resolved(shape["members"][member]["shape"])]
                out.append("    {%s, %d, %s}," % (cpp_string(member), target,
                                                  "true" if member in required else "false"))
            out.append("};")
        if "enum" in shape:
            out.append("constexpr std::string_view %s_values[] = {%s};" % (
                name, ", ".join(cpp_string(v) for v in ordered_enum(name, shape["enum"]))))
    out.append("")
    out.append("constexpr shape shape_table[] = {")
    for i, name in enumerate(listing):
        if name in OPAQUE:
            out.append("    {.name = %s, .type = kind::%s}, // %d" % (cpp_string(name), OPAQUE[name], i))
            continue
        shape = shapes[name]
        fields = [".name = " + cpp_string(name), ".type = kind::" + KINDS[shape["type"]]]
        extra = []
        if shape["type"] == "structure" and shape.get("members"):
            extra.append(".members = %s_members" % name)
        if "member" in shape:
            extra.append(".element = %d" % index[part_shape(shape, "member")])
        if "key" in shape:
            extra.append(".key = %d" % index[part_shape(shape, "key")])
            extra.append(".element = %d" % index[part_shape(shape, "value")])
        if "min" in shape:
            extra.append(".min = %d" % shape["min"])
        if "max" in shape:
            extra.append(".max = %d" % shape["max"])
        if "pattern" in shape:
            if shape["pattern"] not in PATTERNS:
                sys.exit("pattern %r of %s has no matcher in PATTERNS" % (shape["pattern"], name))
            extra.append(".pattern = pattern_kind::%s" % PATTERNS[shape["pattern"]])
        if "enum" in shape:
            extra.append(".enum_values = %s_values" % name)
        # Designated initializers must follow declaration order (request_model.hpp).
        rank = [".members", ".element", ".key", ".min", ".max", ".pattern", ".enum_values"]
        extra.sort(key=lambda e: rank.index(e.split(" =")[0]))
        out.append("    {%s}, // %d" % (", ".join(fields + extra), i))
    out.append("};")
    out.append("")
    out.append("constexpr operation operation_table[] = {")
    for operation in sorted(operations):
        out.append("    {%s, %d}," % (cpp_string(operation),
                                      index[resolved(model["operations"][operation]["input"]["shape"])]))
    out.append("};")
    out.append("")
    out.append("}  // namespace")
    out.append("}  // namespace %s_tables" % args.service)
    out.append("")
    out.append("const service_model& %s() noexcept {" % accessor)
    out.append("  static constexpr service_model model{%s_tables::shape_table, %s_tables::operation_table};"
               % (args.service, args.service))
    out.append("  return model;")
    out.append("}")
    out.append("")
    out.append("}  // namespace fogbank::dynamodb::request_model")
    text = "\n".join(out) + "\n"
    # The repository's .clang-format (found from the output's directory) has the last word on layout.
    clang_format = shutil.which("clang-format-14") or shutil.which("clang-format")
    if clang_format:
        text = subprocess.run([clang_format, "--assume-filename=%s" % os.path.abspath(out_path)],
                              input=text, capture_output=True, text=True, check=True).stdout
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s: %d shapes, %d operations" % (out_path, len(listing), len(operations)), file=sys.stderr)


if __name__ == "__main__":
    main()
