#!/usr/bin/env python3
"""Generates emulator/http/src/<service>_query_model.cpp, a query-protocol shape table (SQS, SNS).

The query protocol's codec (query_codec.cpp) decodes form parameters into the JSON protocol's
shapes and encodes results as XML by walking this table, so the table carries exactly what
botocore's QuerySerializer and QueryParser use: member names, effective `locationName`s
(a member's trait over its shape's), `flattened`, list element and map key/value names, and each
operation's input, output and `resultWrapper`.

Inputs:
  --service  sqs (default) or sns: picks the default paths below and the accessor's name
             (query_model::sqs(), query_model::sns()).
  --query  botocore's query-protocol model (Debian's botocore 1.29, the one boto3 1.26 and
           AWS CLI 2.9 speak): /usr/lib/python3/dist-packages/botocore/data/<service>/<version>/service-2.json
  --json   a JSON-protocol model (botocore >= 1.31, .json or .json.gz), optional: every query
           member must exist there under the same name and a compatible type, since the service
           takes the JSON protocol's shapes. Members only the JSON model has are listed on stderr.
           SNS has no JSON protocol (botocore 1.43's model lists only "query"); its newer model is
           checked the same way, as a model of the same shapes.

Usage: emulator/http/tools/gen_sqs_query_model.py [--service sqs|sns] [--query PATH] [--json PATH] [--out PATH]
       (defaults: the paths above, the pyenv python's botocore, emulator/http/src/<service>_query_model.cpp)

service_model::find() lives in query_model.cpp, once for every generated table.
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
API_VERSIONS = {"sqs": "2012-11-05", "sns": "2010-03-31"}
DEFAULT_QUERY = "/usr/lib/python3/dist-packages/botocore/data/{service}/{version}/service-2.json"
DEFAULT_JSON_GLOB = "/root/.pyenv/versions/*/lib/python3*/site-packages/botocore/data/{service}/{version}/service-2.json*"
DEFAULT_OUT = os.path.join(HERE, "..", "src", "{service}_query_model.cpp")

KINDS = {
    "structure": "structure",
    "list": "list",
    "map": "map",
    "string": "string",
    "integer": "integer",
    "long": "long_integer",
    "boolean": "boolean",
    "blob": "blob",
    # SNS's SMS sandbox shapes (CreatedTimestamp): fogbank does not serve those operations, and a
    # timestamp on the query wire is text either way.
    "timestamp": "string",
}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def effective(model, ref):
    """A shape reference merged with its shape's own traits, as botocore's ShapeResolver does."""
    merged = dict(model["shapes"][ref["shape"]])
    merged.update({k: v for k, v in ref.items() if k != "shape"})
    return merged


def reachable(model):
    seen = []

    def visit(name):
        if name in seen:
            return
        seen.append(name)
        shape = model["shapes"][name]
        if shape["type"] == "structure":
            for ref in shape["members"].values():
                visit(ref["shape"])
        elif shape["type"] == "list":
            visit(shape["member"]["shape"])
        elif shape["type"] == "map":
            visit(shape["key"]["shape"])
            visit(shape["value"]["shape"])

    for op in model["operations"].values():
        visit(op["input"]["shape"])
        if "output" in op:
            visit(op["output"]["shape"])
    return sorted(seen)


def cross_check(query, jmodel):
    """Query members must match JSON-protocol members; returns notes on JSON-only members."""
    problems, notes = [], []
    for op_name, op in sorted(query["operations"].items()):
        if op_name not in jmodel["operations"]:
            problems.append(f"{op_name}: not in the JSON-protocol model")
            continue
        jop = jmodel["operations"][op_name]
        pairs = [(op["input"]["shape"], jop["input"]["shape"])]
        if "output" in op:
            pairs.append((op["output"]["shape"], jop["output"]["shape"]))
        while pairs:
            qname, jname = pairs.pop()
            qs, js = query["shapes"][qname], jmodel["shapes"][jname]
            if qs["type"] != js["type"]:
                problems.append(f"{op_name}: {qname} is a {qs['type']}, JSON {jname} a {js['type']}")
                continue
            if qs["type"] == "structure":
                for m, ref in qs["members"].items():
                    if m not in js["members"]:
                        problems.append(f"{op_name}: {qname}.{m} missing from the JSON model")
                    else:
                        pairs.append((ref["shape"], js["members"][m]["shape"]))
                for m in js["members"]:
                    if m not in qs["members"]:
                        notes.append(f"{op_name}: {jname}.{m} exists only in the JSON protocol")
            elif qs["type"] == "list":
                pairs.append((qs["member"]["shape"], js["member"]["shape"]))
            elif qs["type"] == "map":
                pairs.append((qs["value"]["shape"], js["value"]["shape"]))
    for op_name in sorted(set(jmodel["operations"]) - set(query["operations"])):
        notes.append(f"{op_name}: operation exists only in the JSON protocol")
    return problems, sorted(set(notes))


def short(path):
    """The path from botocore/ on: what identifies the model, not where this machine keeps it."""
    at = path.find("botocore/data/")
    return path[at:] if at >= 0 else os.path.basename(path)


def cpp_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(query, sources, service):
    names = reachable(query)
    index = {n: i for i, n in enumerate(names)}
    out = []
    w = out.append
    w("// Generated by emulator/http/tools/gen_sqs_query_model.py; do not edit. Regenerate after a")
    w("// model change and review the diff.")
    for s in sources:
        w(f"//   {s}")
    w("")
    w('#include "query_model.hpp"')
    w("")
    w("#include <iterator>")
    w("")
    w("namespace fogbank::http::query_model {")
    w("namespace {")
    w("")
    for n in names:
        shape = query["shapes"][n]
        if shape["type"] != "structure" or not shape["members"]:
            continue
        w(f"constexpr member {n}_members[] = {{")
        for m, ref in shape["members"].items():
            eff = effective(query, ref)
            wire = eff.get("locationName", m)
            flat = "true" if eff.get("flattened") else "false"
            w(f"    {{{cpp_string(m)}, {cpp_string(wire)}, {index[ref['shape']]}, {flat}}},")
        w("};")
    w("")
    w("constexpr shape shapes[] = {")
    for i, n in enumerate(names):
        shape = query["shapes"][n]
        t = shape["type"]
        if t not in KINDS:
            sys.exit(f"gen_sqs_query_model: shape {n} has type {t}, which the codec does not handle")
        members = f"{n}_members" if t == "structure" and shape["members"] else "{}"
        element, element_name, key, value, key_name, value_name = 0, "", 0, 0, "", ""
        if t == "list":
            element = index[shape["member"]["shape"]]
            element_name = shape["member"].get("locationName", "")
        if t == "map":
            key, value = index[shape["key"]["shape"]], index[shape["value"]["shape"]]
            key_name = shape["key"].get("locationName", "")
            value_name = shape["value"].get("locationName", "")
        w(f"    /* {i} */ {{{cpp_string(n)}, kind::{KINDS[t]}, {members}, {element}, "
          f"{cpp_string(element_name)}, {key}, {value}, {cpp_string(key_name)}, {cpp_string(value_name)}}},")
    w("};")
    w("")
    w("constexpr operation operations[] = {")
    for op_name in sorted(query["operations"]):
        op = query["operations"][op_name]
        inp = index[op["input"]["shape"]]
        if "output" in op:
            outp = str(index[op["output"]["shape"]])
            wrapper = op["output"].get("resultWrapper", op_name + "Result")
        else:
            outp, wrapper = "no_shape", ""
        w(f"    {{{cpp_string(op_name)}, {inp}, {outp}, {cpp_string(wrapper)}}},")
    w("};")
    w("")
    w("constexpr bool operations_sorted() {")
    w("  for (std::size_t i = 1; i < std::size(operations); ++i)")
    w("    if (!(operations[i - 1].name < operations[i].name)) return false;")
    w("  return true;")
    w("}")
    w('static_assert(operations_sorted(), "find() relies on operations sorted by name");')
    w("")
    w("constexpr service_model model{")
    w(f"    {cpp_string(query['metadata']['apiVersion'])},")
    w(f"    {cpp_string(query['metadata']['xmlNamespace'])},")
    w("    shapes,")
    w("    operations,")
    w("};")
    w("")
    w("}  // namespace")
    w("")
    w(f"const service_model& {service}() {{")
    w("  return model;")
    w("}")
    w("")
    w("}  // namespace fogbank::http::query_model")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--service", default="sqs", choices=sorted(API_VERSIONS))
    ap.add_argument("--query", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    paths = {"service": args.service, "version": API_VERSIONS[args.service]}
    args.query = args.query or DEFAULT_QUERY.format(**paths)
    args.out = args.out or DEFAULT_OUT.format(**paths)
    query = load(args.query)
    if query["metadata"].get("protocol") != "query":
        sys.exit(f"gen_sqs_query_model: {args.query} is not a query-protocol model")
    sources = [f"from {short(args.query)} (protocol query)"]
    json_path = args.json
    if json_path is None:
        found = sorted(glob.glob(DEFAULT_JSON_GLOB.format(**paths)))
        json_path = found[-1] if found else None
    if json_path:
        jmodel = load(json_path)
        problems, notes = cross_check(query, jmodel)
        for n in notes:
            print(f"note: {n}", file=sys.stderr)
        if problems and jmodel["metadata"].get("protocol") == "json":
            for p in problems:
                print(f"error: {p}", file=sys.stderr)
            sys.exit("gen_sqs_query_model: the query model does not map onto the JSON-protocol shapes")
        sources.append(f"checked against {short(json_path)} (protocol {jmodel['metadata'].get('protocol')})")
    text = generate(query, sources, args.service)
    # The repository's .clang-format (found from the output's directory) has the last word on layout.
    clang_format = shutil.which("clang-format-14") or shutil.which("clang-format")
    if clang_format:
        text = subprocess.run([clang_format, f"--assume-filename={os.path.abspath(args.out)}"],
                              input=text, capture_output=True, text=True, check=True).stdout
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
