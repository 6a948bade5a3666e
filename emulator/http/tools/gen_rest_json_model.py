#!/usr/bin/env python3
"""Generates emulator/http/src/<service>_rest_model.cpp, a REST-JSON service's route table.

The REST-JSON codec (rest_codec.cpp) routes a request by method and URI template, decodes the
members botocore's RestJSONSerializer puts in the URI, the query string, headers or the raw body
back into the JSON object the service takes, and encodes the service's answer as
RestJSONParser reads it. This table carries exactly what that needs: each operation's route and
success status, its top-level members that are not in the JSON body (`location`, `locationName`,
type), its `payload` member, and each error's status, message member spelling and header members.

Input: botocore's model, by default Debian's botocore 1.29 (what boto3 1.26 and AWS CLI 2.9 send):
  /usr/lib/python3/dist-packages/botocore/data/lambda/2015-03-31/service-2.json
  --newer  a newer model of the same service (botocore >= 1.31, .json or .json.gz), optional: its
           routes that differ from the generated ones (trailing slashes, statuses, operations the
           older model lacks) are listed on stderr, for review.

Usage: emulator/http/tools/gen_rest_json_model.py [--model PATH] [--newer PATH] [--out PATH]
       (API Gateway: --model .../apigatewayv2/2018-11-29/service-2.json --out .../apigatewayv2_rest_model.cpp,
        and likewise apigatewaymanagementapi)
       (defaults: the Lambda paths above, the pyenv python's botocore, emulator/http/src/lambda_rest_model.cpp)
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
DEFAULT_MODEL = "/usr/lib/python3/dist-packages/botocore/data/lambda/2015-03-31/service-2.json"
NEWER_SITE_PACKAGES = "/root/.pyenv/versions/*/lib/python3*/site-packages/"
DEFAULT_OUT = os.path.join(HERE, "..", "src", "lambda_rest_model.cpp")

# What the model cannot say: how each service refuses a body that is not JSON, and one over its
# size limit. Lambda answers InvalidRequestContentException, "Could not parse request body into
# json: <parser's complaint>" (recorded AWS answers, e.g. "Could not parse request body into json:
# Unrecognized token 'a': was expecting ('true', 'false' or 'null')"), and
# RequestEntityTooLargeException (not the model's RequestTooLargeException), "Request must be
# smaller than 70167211 bytes for the CreateFunction operation" (recorded AWS answers).
SERVICES = {
    "Lambda": {"name": "lambda",
               "malformed_body": ("InvalidRequestContentException", "Could not parse request body into json: "),
               "too_large": ("RequestEntityTooLargeException", "Request must be smaller than ", " bytes for the ",
                             " operation")},
    # API Gateway's services take their requests in the wire shape (fogbank/apigw/service.hpp):
    # members bound to the URI and query string go into the request under their wire names
    # ("apiId", not "ApiId"), as the body's members do. The wording of their malformed-body and
    # too-large refusals is unconfirmed.
    "ApiGatewayV2": {"name": "apigatewayv2", "bound_names": "wire",
                     "malformed_body": ("BadRequestException", "Could not parse request body into json: "),
                     "too_large": ("BadRequestException", "Request must be smaller than ", " bytes for the ",
                                   " operation")},
    # API Gateway's REST API control plane (v1) takes its requests in the wire shape too: its URI
    # labels ("restapi_id", "http_method") differ from the body's members, and PutIntegration's
    # body carries an "httpMethod" of its own (fogbank/apigw/rest_api.hpp). Refusal wording
    # unconfirmed, as for ApiGatewayV2.
    # GetExport, GetSdk, ImportRestApi and PutRestApi take a map in the query string, which the codec does not decode: left
    # out (they answer as unknown routes).
    "API Gateway": {"name": "apigateway", "bound_names": "wire", "skip_operations": ["GetExport", "GetSdk", "ImportRestApi", "PutRestApi"],
                    "malformed_body": ("BadRequestException", "Could not parse request body into json: "),
                    "too_large": ("BadRequestException", "Request must be smaller than ", " bytes for the ",
                                  " operation")},
    # The @connections API answers at the server's root and, as handlers address it
    # (https://<domainName>/<stage>/@connections/{id}), under a stage: each route also with a
    # leading {stage} label.
    "ApiGatewayManagementApi": {"name": "apigatewaymanagementapi", "bound_names": "wire",
                                "path_prefixes": ["/{stage}"],
                                "malformed_body": ("BadRequestException", "Could not parse request body into json: "),
                                "too_large": ("PayloadTooLargeException", "Request must be smaller than ",
                                              " bytes for the ", " operation")},
}

SCALAR_KINDS = {"string": "string", "integer": "integer", "long": "long_integer", "boolean": "boolean"}
LOCATIONS = {"uri": "uri", "querystring": "querystring", "header": "header", "statusCode": "status_code"}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def short(path):
    """The path from botocore/ on: what identifies the model, not where this machine keeps it."""
    at = path.find("botocore/data/")
    return path[at:] if at >= 0 else os.path.basename(path)


def cpp_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bound_kind(model, where, ref, context):
    shape = model["shapes"][ref["shape"]]
    t = shape["type"]
    if t in SCALAR_KINDS:
        return SCALAR_KINDS[t]
    if t == "list" and where in ("querystring", "header") and \
            model["shapes"][shape["member"]["shape"]]["type"] == "string":
        return "string_list"
    sys.exit(f"gen_rest_json_model: {context} is a {t} in location {where}, which the codec does not handle")


def message_shape(model, shape_name, context, wire_names=False):
    """(bound members, payload name, payload kind, has body members) of a structure. With
    wire_names, a bound member is named in the request by its locationName."""
    if shape_name is None:
        return [], "", "blob", False
    shape = model["shapes"][shape_name]
    payload = shape.get("payload", "")
    payload_kind = "blob"
    if payload:
        t = model["shapes"][shape["members"][payload]["shape"]]["type"]
        if t not in ("blob", "string", "structure"):
            sys.exit(f"gen_rest_json_model: {context} payload {payload} is a {t}")
        payload_kind = {"blob": "blob", "string": "blob", "structure": "structure"}[t]
    bound, body = [], False
    for name, ref in shape["members"].items():
        where = ref.get("location")
        if name == payload:
            continue
        if where is None:
            body = True
            continue
        if where not in LOCATIONS:
            sys.exit(f"gen_rest_json_model: {context}.{name} has location {where}, which the codec does not handle")
        kind = bound_kind(model, where, ref, f"{context}.{name}")
        wire = ref.get("locationName", "")
        bound.append((wire if wire_names and wire else name, LOCATIONS[where], wire, kind))
    return bound, payload, payload_kind, body


def generate(model, service, sources):
    skipped = set(service.get("skip_operations", []))
    ops = sorted((name, op) for name, op in model["operations"].items() if name not in skipped)
    out = []
    w = out.append
    w("// Generated by emulator/http/tools/gen_rest_json_model.py; do not edit. Regenerate after a")
    w("// model change and review the diff.")
    for s in sources:
        w(f"//   {s}")
    w("")
    w('#include "rest_model.hpp"')
    w("")
    w("#include <algorithm>")
    w("")
    w("namespace fogbank::http::rest_model {")
    w("namespace {")
    w("")

    def emit_bound(array, bound):
        if not bound:
            return "{}"
        w(f"constexpr bound_member {array}[] = {{")
        for name, where, wire, kind in bound:
            w(f"    {{{cpp_string(name)}, location::{where}, {cpp_string(wire)}, kind::{kind}}},")
        w("};")
        return array

    rows = []
    wire_names = service.get("bound_names") == "wire"
    for prefix in [""] + service.get("path_prefixes", []):
        # A prefix's labels ("/{stage}") are bound string members of the input, by their names.
        prefix_bound = [(label, "uri", label, "string") for label in
                        (part[1:-1] for part in prefix.split("/") if part.startswith("{"))]
        suffix = "".join("_" + label for label, _, _, _ in prefix_bound)
        for name, op in ops:
            parts = []
            for direction, key in (("input", "input"), ("output", "output")):
                shape_name = op[key]["shape"] if key in op else None
                bound, payload, payload_kind, body = message_shape(model, shape_name, f"{name} {direction}",
                                                                   wire_names)
                if direction == "input":
                    bound = prefix_bound + bound
                array = emit_bound(f"{name}{suffix}_{direction}", bound)
                parts.append(f"{{{array}, {cpp_string(payload)}, kind::{payload_kind}, {'true' if body else 'false'}}}")
            http = op["http"]
            path, _, query = http["requestUri"].partition("?")
            status = http.get("responseCode", 200)
            rows.append(f"    {{{cpp_string(name)}, {cpp_string(http['method'])}, {cpp_string(prefix + path)}, "
                        f"{cpp_string(query)}, {status}, {parts[0]}, {parts[1]}}},")
    w("")
    w("constexpr operation operations[] = {")
    out.extend(rows)
    w("};")
    w("")

    errors = []
    for name, shape in sorted(model["shapes"].items()):
        if not shape.get("exception"):
            continue
        status = shape.get("error", {}).get("httpStatusCode", 400)
        members = shape.get("members", {})
        message = "Message" if "Message" in members and "message" not in members else "message"
        # The member as the wire spells it (apigatewayv2's Message travels as "message").
        message = members.get(message, {}).get("locationName", message)
        bound = []
        for m, ref in members.items():
            where = ref.get("location")
            if where is None:
                continue
            if where != "header":
                sys.exit(f"gen_rest_json_model: error {name}.{m} has location {where}")
            bound.append((m, "header", ref.get("locationName", m), bound_kind(model, where, ref, f"{name}.{m}")))
        array = emit_bound(f"{name}_headers", bound)
        errors.append(f"    {{{cpp_string(name)}, {status}, {cpp_string(message)}, {array}}},")
    w("constexpr error_shape errors[] = {")
    out.extend(errors)
    w("};")
    w("")
    w("constexpr bool errors_sorted() {")
    w("  for (std::size_t i = 1; i < std::size(errors); ++i)")
    w("    if (!(errors[i - 1].name < errors[i].name)) return false;")
    w("  return true;")
    w("}")
    w('static_assert(errors_sorted(), "find_error() relies on errors sorted by name");')
    w("")
    malformed_name, malformed_message = service["malformed_body"]
    w("constexpr service_model model{")
    w(f"    {cpp_string(model['metadata']['apiVersion'])},")
    w("    operations,")
    w("    errors,")
    w(f"    {cpp_string(malformed_name)},")
    w(f"    {cpp_string(malformed_message)},")
    for part in service["too_large"]:
        w(f"    {cpp_string(part)},")
    w("};")
    w("")
    w("}  // namespace")
    w("")
    w(f"const service_model& {service['name']}() {{")
    w("  return model;")
    w("}")
    w("")
    w("}  // namespace fogbank::http::rest_model")
    return "\n".join(out) + "\n"


def compare(model, newer):
    """Notes on routes a newer model gives differently."""
    notes = []
    for name, op in sorted(model["operations"].items()):
        other = newer["operations"].get(name)
        if other is None:
            notes.append(f"{name}: not in the newer model")
            continue
        a, b = op["http"], other["http"]
        if a["requestUri"] != b["requestUri"]:
            notes.append(f"{name}: URI {a['requestUri']} is {b['requestUri']} in the newer model")
        if a.get("responseCode", 200) != b.get("responseCode", 200):
            notes.append(f"{name}: status {a.get('responseCode', 200)} is {b.get('responseCode', 200)} "
                         "in the newer model")
    for name in sorted(set(newer["operations"]) - set(model["operations"])):
        notes.append(f"{name}: only in the newer model")
    return notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--newer", default=None)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    model = load(args.model)
    if model["metadata"].get("protocol") != "rest-json":
        sys.exit(f"gen_rest_json_model: {args.model} is not a REST-JSON model")
    service = SERVICES.get(model["metadata"]["serviceId"])
    if service is None:
        sys.exit(f"gen_rest_json_model: no entry for {model['metadata']['serviceId']} in SERVICES")
    sources = [f"from {short(args.model)} (protocol rest-json)"]
    newer_path = args.newer
    if newer_path is None:
        # The same service and version in the newer botocore.
        found = sorted(glob.glob(NEWER_SITE_PACKAGES + short(args.model) + "*"))
        newer_path = found[-1] if found else None
    if newer_path:
        for note in compare(model, load(newer_path)):
            print(f"note: {note}", file=sys.stderr)
    text = generate(model, service, sources)
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
