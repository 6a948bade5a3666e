#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the inputs the unit and
end-to-end tests already use, valid and invalid, plus a few hand-made edge cases per target.

Run it again after adding tests whose inputs the corpora should know about:
    python3 fuzz/make_seeds.py
Files are named after the SHA-1 of their content, so reruns only add what is new; a target's
directory is emptied first so that removed cases go too. Each corpus stays at a few dozen files:
libFuzzer finds the rest from them.
"""

import hashlib
import json
import pathlib
import re
import shutil
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
UNIT = ROOT / "tests" / "unit"
CORPUS = ROOT / "fuzz" / "corpus"
LIMIT = 60  # files per target

# A C++ string literal: "..." with escapes, or R"(...)".
LITERAL = r'(?:R"\((?P<raw>.*?)\)"|"(?P<plain>(?:[^"\\]|\\.)*)")'


def unescape(plain):
    return bytes(plain, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def literal_value(match):
    return match.group("raw") if match.group("raw") is not None else unescape(match.group("plain"))


def first_arguments(paths, helpers):
    """The first string-literal argument of every call to one of `helpers` in `paths`."""
    pattern = re.compile(r"\b(?:%s)\(\s*%s" % ("|".join(helpers), LITERAL), re.S)
    found = []
    for path in paths:
        for match in pattern.finditer(path.read_text()):
            found.append(literal_value(match))
    return found


def all_literals(path):
    return [literal_value(m) for m in re.finditer(LITERAL, path.read_text(), re.S)]


def json_objects(path):
    out = []
    for text in all_literals(path):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, (dict, list)):
            out.append(value)
    return out


# Placeholders of the tests, rewritten onto the ones fuzz/expression_fixture.hpp defines, so that
# seeds parse past placeholder resolution; the originals stay too (undefined ones are cases).
VALUES = [":v", ":s", ":n", ":f", ":b", ":t", ":z", ":l", ":m", ":ss", ":ns", ":bs"]
NAMES = ["#a", "#s", "#n", "#l", "#m", "#k", "#d", "#r"]


def with_fixture_placeholders(text):
    values = iter(VALUES * 10)
    names = iter(NAMES * 10)
    text = re.sub(r":[A-Za-z_][A-Za-z0-9_]*", lambda m: next(values), text)
    return re.sub(r"#[A-Za-z_][A-Za-z0-9_]*", lambda m: next(names), text)


def expression_seeds(helpers, extra):
    files = sorted(UNIT.glob("dynamodb/expression_*_test.cpp"))
    texts = first_arguments(files, helpers)
    seeds = []
    for text in texts + extra:
        seeds += [text, with_fixture_placeholders(text)]
    return seeds


def legacy_seeds():
    path = UNIT / "dynamodb" / "legacy_parameters_test.cpp"
    text = path.read_text()
    legacy_keys = {"Expected", "QueryFilter", "ScanFilter", "KeyConditions", "AttributeUpdates",
                   "AttributesToGet", "ConditionalOperator"}
    seeds = [o for o in json_objects(path) if isinstance(o, dict) and legacy_keys & o.keys()]
    # expected_holds("attr", R"({condition})") and compare("attr", "OP", R"([values])").
    for m in re.finditer(r'expected_holds\("([^"]*)",\s*R"\((.*?)\)"', text, re.S):
        condition = json.loads(m.group(2))
        seeds.append({"Expected": {m.group(1): condition}})
        seeds.append({"ScanFilter": {m.group(1): condition}})
    for m in re.finditer(r'compare\("([^"]*)",\s*"([A-Z_]+)",\s*R"\((.*?)\)"', text, re.S):
        condition = {"ComparisonOperator": m.group(2), "AttributeValueList": json.loads(m.group(3))}
        seeds.append({"Expected": {m.group(1): condition}})
        seeds.append({"QueryFilter": {m.group(1): condition}, "ConditionalOperator": "OR"})
    seeds += [
        {"Expected": {"a": {"Exists": False}, "b": {"Value": {"S": "x"}}}, "ConditionalOperator": "OR"},
        {"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k"}]},
                           "s": {"ComparisonOperator": "BETWEEN",
                                 "AttributeValueList": [{"S": "a"}, {"S": "z"}]}}},
        {"AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}},
                              "l": {"Action": "ADD", "Value": {"L": [{"S": "y"}]}},
                              "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
                              "s": {"Action": "DELETE"}, "t": {"Value": {"BOOL": False}}}},
        {"AttributesToGet": ["s", "a.b", "name", "s"]},
        {"Expected": {"a": {"Value": {"S": "x"}}}, "ConditionExpression": "a = :v"},
        {"ScanFilter": {"a": {"ComparisonOperator": "IN",
                              "AttributeValueList": [{"S": "x"}, {"N": "1"}, {"B": "AQ=="}]}}},
        {"ScanFilter": {str(i): {"ComparisonOperator": "NOT_NULL"} for i in range(50)}},
    ]
    return [json.dumps(s) for s in seeds]


def attribute_value_seeds():
    path = UNIT / "dynamodb" / "attribute_value_test.cpp"
    text = path.read_text()
    seeds = [json.dumps(o) for o in json_objects(path)]
    # The scalar values the test builds with nlohmann's initializer lists: {"N", "1e100"}.
    scalars = [(m.group(1), unescape(m.group(2)))
               for m in re.finditer(r'\{"(N|S|B)", "((?:[^"\\]|\\.)*)"\}', text)]
    for i, (kind, value) in enumerate(scalars):
        seeds.append(json.dumps({kind: value}))
        other = scalars[(i + 7) % len(scalars)]
        seeds.append(json.dumps({"a": {kind: value}, "b": {other[0] + "S": [other[1], other[1]]}}))
    seeds += [
        json.dumps({"m": {"M": {"a": {"S": "x"}, "b": {"N": "1"}}}, "l": {"L": [{"S": "x"}, {"L": []}]},
                    "t": {"BOOL": False}, "z": {"NULL": True}, "ss": {"SS": ["a", "b"]},
                    "ns": {"NS": ["1", "2.5", "-3"]}, "bs": {"BS": ["YQ==", "Yg=="]}}),
        json.dumps({"S": "a", "X": 1}), json.dumps({"NULL": False}), json.dumps({"BOOL": "true"}),
        json.dumps({"SS": []}), json.dumps({"L": {}}), json.dumps({"M": []}), json.dumps({"N": 5}),
        json.dumps({"n": {"N": "-0.000000000000000000000000000000000000001e-90"}}),
        json.dumps({"n": {"NS": ["1", "1.0"]}}),
        json.dumps({"deep": {"M": {"a": {"L": [{"M": {"b": {"L": [{"N": "1"}]}}}]}}}}),
        json.dumps({"b": {"B": "not base64!"}}),
        json.dumps({"s": {"S": "\ud83d\ude00"}, "e": {"S": ""}}),
        json.dumps({"two": {"S": "x", "N": "1"}}),
        '{"x": {"L": [' * 20 + '{"NULL": true}' + "]}}" * 20,
    ]
    return seeds


QUERY_FILES = [UNIT / "http" / "query_codec_test.cpp", UNIT / "http" / "sqs_fronts_test.cpp"]


def query_seeds():
    seeds = []
    for path in QUERY_FILES:
        # Adjacent literals ("Action=..." "&QueueName=...") are one string in C++.
        text = re.sub(r'"\s*\n\s*"', "", path.read_text())
        for m in re.finditer(r'"((?:[^"\\]|\\.)*Action=(?:[^"\\]|\\.)*)"', text):
            seeds.append(unescape(m.group(1)))
    seeds += [
        "Action=SendMessage&QueueUrl=u&MessageBody=x&MessageAttribute.1.Name=a"
        "&MessageAttribute.1.Value.DataType=Number&MessageAttribute.1.Value.StringValue=1e999999",
        "Action=SendMessageBatch&QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a"
        "&SendMessageBatchRequestEntry.1.MessageBody=b&SendMessageBatchRequestEntry.100000.Id=c",
        "Action=ReceiveMessage&QueueUrl=u&MaxNumberOfMessages=99999999999999999999&WaitTimeSeconds=-1",
        "Action=CreateQueue&QueueName=q&Attribute.1.Name=RedrivePolicy&Attribute.1.Value=%7B%22a%22%3A1%7D"
        "&Tag.1.Key=k&Tag.1.Value=v&Tag.2.Key=k",
        "Action=TagQueue&QueueUrl=u&Tag.0.Key=k&Tag.-1.Value=v&Tag..Key=x",
        "Action=AddPermission&QueueUrl=u&Label=l&AWSAccountId.1=1&ActionName.1=SendMessage",
        "Action=ChangeMessageVisibilityBatch&QueueUrl=u&ChangeMessageVisibilityBatchRequestEntry.1.Id=a"
        "&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=true",
        "Action=%zz&%=&&==&a=%4",
    ]
    return seeds


SIGNED = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/dynamodb/aws4_request, "
          "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123456789abcdef")


def sigv4_seeds():
    headers = [
        SIGNED, "AWS4", "AWS4-", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e",
        "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=s",
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/e///, SignedHeaders=host, Signature=s",
        "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=s,Credential=x",
        "AWS AKID:signature", "Bearer token", "-",
    ]
    queries = [
        "", "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsqs%2Faws4_request"
        "&X-Amz-Date=20240101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb",
        "Action=ListQueues&X-Amz-Algorithm=&X-Amz-Credential=%zz%",
    ]
    return [h + "\n" + q for h in headers for q in queries[:2]] + ["-\n" + q for q in queries]


def json_front_seeds():
    def request(target, body, content_type="application/x-amz-json-1.0", auth=SIGNED, path="/",
                extra=()):
        lines = [path]
        if target is not None:
            lines.append("X-Amz-Target: " + target)
        if content_type is not None:
            lines.append("Content-Type: " + content_type)
        if auth is not None:
            lines.append("Authorization: " + auth)
        lines.append("X-Amz-Date: 20240101T000000Z")
        lines += list(extra)
        return "\n".join(lines) + "\n\n" + body

    put = json.dumps({"TableName": "t", "Item": {"pk": {"S": "k"}, "n": {"N": "1"}}})
    seeds = [
        request("DynamoDB_20120810.PutItem", put),
        request("DynamoDB_20120810.ListTables", "{}"),
        request("DynamoDB_20120810.ListTables", ""),
        request("DynamoDB_20120810.ListTables", "[1, 2]"),
        request("DynamoDB_20120810.ListTables", '"text"'),
        request("DynamoDB_20120810.ListTables", "{", content_type="application/json; charset=utf-8"),
        request("DynamoDB_20120810.A.B", "{}"),
        request(None, "{}"),
        request("DynamoDB_20120810.ListTables", "hi", content_type="text/plain"),
        request("DynamoDB_20120810.ListTables", "{}", auth=None),
        request("DynamoDB_20120810.ListTables", "{}", auth="AWS4-"),
        request("DynamoDB_20120810.ListTables", "{}", auth=None,
                path="/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb%2Fc%2Fd%2Fe"
                     "&X-Amz-Signature=s&X-Amz-SignedHeaders=host"),
        request("DynamoDB_20120810.ListTables", "{}", extra=["Origin: http://localhost:3000"]),
        request("DynamoDBStreams_20120810.GetRecords", json.dumps({"ShardIterator": "x"})),
        request("AmazonSQS.SendMessage", json.dumps({"QueueUrl": "http://h/0/q", "MessageBody": "b"}),
                content_type="application/x-amz-json-1.0", extra=["Host: localhost:4566"]),
        request("AmazonSQS.ListQueues", "{}"),
        request("DynamoDB_20120810.PutItem", "[" * 129 + "]" * 129),
        request("DynamoDB_20120810.PutItem", '{"a": "' + "[" * 200 + '"}'),
        request("DynamoDB_20120810.PutItem", '{"a": "\\ud800", "b": "\xff"}'),
    ]
    return seeds


def sqs_policy_seeds():
    dlq = "arn:aws:sqs:us-east-1:000000000000:dlq"
    redrive = [
        {"deadLetterTargetArn": dlq, "maxReceiveCount": "2"},
        {"deadLetterTargetArn": dlq, "maxReceiveCount": 1},
        {"deadLetterTargetArn": dlq + ".fifo", "maxReceiveCount": 1000},
        {"deadLetterTargetArn": dlq, "maxReceiveCount": 0},
        {"deadLetterTargetArn": dlq, "maxReceiveCount": 1.5},
        {"deadLetterTargetArn": dlq, "maxReceiveCount": [1]},
        {"deadLetterTargetArn": dlq, "maxReceiveCount": {"a": [1, {"b": None}]}},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 3},
        {"maxReceiveCount": 3}, {"deadLetterTargetArn": 5, "maxReceiveCount": 3},
    ]
    allow = [{"redrivePermission": "allowAll"}, {"redrivePermission": "denyAll"},
             {"redrivePermission": "byQueue", "sourceQueueArns": [dlq]}]
    policy = [
        {"Version": "2012-10-17", "Statement": [{
            "Sid": "all", "Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sqs:SendMessage",
            "Resource": dlq}]},
        {"Version": "2012-10-17", "Statement": [{"Sid": "fuzz"}, {"Sid": "other"}]},
        {"Statement": {"Sid": "fuzz"}}, {"Statement": [1, "two", None]}, {"Statement": [{"Sid": 5}]},
        {"Id": 1, "Version": []},
    ]
    seeds = []
    for selector, documents in ((0, redrive), (2, allow), (1, policy)):
        for i, document in enumerate(documents):
            flags = selector | (4 if i % 3 == 1 else 0) | (8 if i % 2 else 0)
            seeds.append(bytes([flags]) + json.dumps(document).encode())
    for text in ["", "{", "[]", "null", '"string"', "{}", '{"a": "' + "[" * 300 + '"}', "[" * 300 + "]" * 300]:
        for selector in (0, 1, 9):
            seeds.append(bytes([selector]) + text.encode())
    return seeds


def write(target, seeds):
    directory = CORPUS / target
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    unique = {}
    for seed in seeds:
        data = seed if isinstance(seed, bytes) else seed.encode("utf-8", "surrogatepass")
        unique.setdefault(hashlib.sha1(data).hexdigest(), data)
    # Keep the corpus small; spread the kept cases over the whole list rather than the first N.
    items = sorted(unique.items())
    step = max(1, len(items) / LIMIT)
    kept = [items[int(i * step)] for i in range(min(LIMIT, len(items)))]
    for name, data in kept:
        (directory / name).write_bytes(data)
    print(f"{target}: {len(kept)} seeds (of {len(unique)})")


def main():
    write("expression_condition", expression_seeds(
        ["eval", "condition_error", "parse_condition"],
        ["((((a = :v))))", "NOT NOT NOT a = :v", "a IN (:v, :n, :s)", "size(l[0].x) BETWEEN :n AND :f",
         "attribute_type(#a, :s) OR contains(ss, :v) AND begins_with(#d, :s)", "a = :v AND " * 20 + "b = :v"]))
    write("expression_update", expression_seeds(
        ["updated", "update_error", "apply_error", "parse_update"],
        ["SET a = if_not_exists(a, :n) + :n, l = list_append(:l, l) REMOVE m.k[0] ADD ss :ss DELETE ns :ns",
         "SET l[100000000000000000000] = :v", "SET #a.#s[0].#n = :v - :n", "REMOVE a, b, c, a.b[1]"]))
    write("expression_projection", expression_seeds(
        ["projected", "projection_error", "parse_projection"],
        ["a, b.c, #a[1][2].#s", "l[0], l[1], l[4294967296]", "a.b.c.d.e.f.g.h.i.j"]))
    write("expression_key_condition", expression_seeds(
        ["key", "key_error"],
        ["pk = :v AND begins_with(s, :s)", "#k = :v AND s BETWEEN :n AND :f", "pk = :v AND (s > :n)"]))
    write("legacy_parameters", legacy_seeds())
    write("attribute_value", attribute_value_seeds())
    write("request_validation", request_validation_seeds())
    write("query_codec", query_seeds())
    write("sigv4", sigv4_seeds())
    write("json_front", json_front_seeds())
    write("sqs_policy", sqs_policy_seeds())
    write("filter_pattern", filter_pattern_seeds())
    write("sns_filter_policy", sns_filter_policy_seeds())
    write("lambda_zip", lambda_zip_seeds())
    write("rest_front", rest_front_seeds())
    write("apigw_route", apigw_route_seeds())
    write("http_api", http_api_seeds())
    write("item_decode", item_decode_seeds())
    write("json_parse", json_parse_seeds())


def json_parse_seeds():
    """Request bodies as clients send them (the DynamoDB corpus's requests), and the corners of
    JSON's grammar and of nlohmann's reading of it (numbers at the edges of 64 bits, escapes and
    surrogate pairs, UTF-8 of every length, a byte order mark, a NUL after the value, duplicate keys)."""
    seeds = [json.dumps(json.loads(seed.split("\n", 1)[1]))
             for seed in request_validation_seeds() if "\n" in seed and seed.split("\n", 1)[1].startswith("{")][:40]
    seeds += ['{"a":1,"a":[2]}', '[0,-0,-0.0,1e5,1E-5,18446744073709551615,18446744073709551616,-9223372036854775809]',
              '["\\u0000\\ud83d\\ude00\\"\\\\\\/\\b\\f\\n\\r\\t", "\u00e9\u20ac\U0001f600"]', '1e400', '1e-400',
              '\ufeff{"bom":true}', '{"end":1}\u0000[[[', '  {"ws" : [ true , false , null ] }  ']
    return [s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s for s in seeds]


def request_validation_seeds():
    """The requests of the DynamoDB corpus (tests/corpus/dynamodb/*.json), valid and invalid, each
    as "<Operation>\n<body>", with $table and $repeat placeholders made concrete."""
    def concrete(value):
        if value == "$table" or value == "$table2":
            return "seed_table"
        if isinstance(value, dict):
            if "$repeat" in value:
                return value["$repeat"] * min(value["times"], 300)
            return {concrete(k): concrete(v) for k, v in value.items()}
        if isinstance(value, list):
            return [concrete(v) for v in value]
        return value
    seeds = []
    for path in sorted((ROOT / "tests" / "corpus" / "dynamodb").glob("*.json")):
        for case in json.loads(path.read_text())["cases"]:
            for step in case.get("setup", []) + [case]:
                seeds.append(step["operation"] + "\n" + json.dumps(concrete(step["request"])))
    return seeds


def apigw_route_seeds():
    """A selector byte (bit 0: an expression line first, bit 1: binary, bit 2: no $default), then
    the messages and expressions of the API Gateway route selection tests, and edge cases."""
    test = UNIT / "apigw" / "route_selection_test.cpp"
    found = []
    for value in all_literals(test):
        if value.startswith("{"):
            found += [b"\x00" + value.encode(), b"\x04" + value.encode()]
        elif value.startswith("$") or value.startswith("${"):
            found.append(b"\x01" + value.encode() + b'\n{"a": {"b": "x"}}')
    deep = "{\"action\": " * 200 + "1" + "}" * 200
    return found + [
        b'\x00{"action": "join"}', b'\x04{"action": "nope"}', b'\x02{"action": "x"}',
        b'\x00{"action": 1}', b'\x00{"action": true}', b'\x00{"action": 1e999}',
        b'\x00{"action": "\xff"}', b"\x00\xff\xfe", deep.encode(),
        b"\x01${request.body.a.b}\n{\"a\": {\"b\": \"x\"}}", b"\x01$request.body.\n{}",
        b"\x01$request.body." + b"a." * 40 + b"a\n{}",
    ]


def filter_pattern_seeds():
    """Every pattern the Lambda unit tests use, valid and invalid."""
    paths = [UNIT / "lambda" / "filter_pattern_test.cpp", UNIT / "lambda" / "sqs_mapping_test.cpp",
             UNIT / "lambda" / "stream_mapping_test.cpp"]
    found = []
    for path in paths:
        for match in re.finditer(LITERAL, path.read_text(), re.S):
            value = literal_value(match)
            if value.startswith("{") or value in ("", "[]", "not json"):
                found.append(value)
    return found + ['{"a": [{"numeric": [">", 1e308, "<", -1e308]}]}', '{"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [3]}]}]}']


def sns_filter_policy_seeds():
    """Every policy the SNS unit tests use, under both scopes (the first byte picks the scope)."""
    found = []
    for path in sorted((UNIT / "sns").glob("*_test.cpp")):
        for match in re.finditer(LITERAL, path.read_text(), re.S):
            value = literal_value(match)
            if value.startswith("{"):
                found += ["\x00" + value, "\x01" + value]
    return found


def lambda_zip_seeds():
    """Small packages: plain files, a directory, an executable, a link inside and one out, a
    name that climbs out, an absolute name, a stored and a deflated entry; and not-zips."""
    import io
    import zipfile

    def package(entries):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data, mode, method in entries:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.create_system = 3
                info.external_attr = mode << 16
                info.compress_type = method
                z.writestr(info, data)
        return buf.getvalue()

    stored, deflated = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
    return [
        package([("index.js", b"exports.handler = async () => 1;\n", 0o100644, deflated)]),
        package([("bootstrap", b"#!/bin/sh\n", 0o100755, stored), ("lib/", b"", 0o040755, stored),
                 ("lib/a.txt", b"a" * 100, 0o100644, deflated)]),
        package([("node_modules/.bin/x", b"../pkg/bin/x", 0o120777, stored),
                 ("node_modules/pkg/bin/x", b"x", 0o100755, stored)]),
        package([("out", b"../../etc", 0o120777, stored)]),
        package([("../evil.txt", b"x", 0o100644, stored)]),
        package([("/abs.txt", b"x", 0o100644, stored)]),
        package([("a/../../b.txt", b"x", 0o100644, stored)]),
        b"PK\x05\x06" + b"\x00" * 18,
        b"not a zip",
        b"",
    ]


def rest_front_seeds():
    """Lambda REST-JSON requests: one per kind of member binding (URI, greedy and encoded labels,
    query string, headers, JSON body, raw blob payload), and some that bend them."""
    fn = "/2015-03-31/functions"
    requests = [
        ("POST", fn, [], json.dumps({"FunctionName": "f", "Runtime": "provided.al2023", "Role": "r",
                                     "Handler": "echo.handler", "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})),
        ("GET", fn + "/f", [], ""),
        ("GET", fn + "/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration?Qualifier=%24LATEST", [], ""),
        ("GET", fn + "/?MaxItems=2&Marker=YQ%3D%3D", [], ""),
        ("PUT", fn + "/f/code", [], json.dumps({"ZipFile": "not base64!", "DryRun": True})),
        ("PUT", fn + "/f/configuration", [], json.dumps({"Timeout": 5, "Environment": {"Variables": {"AB": "1"}}})),
        ("DELETE", fn + "/f", [], ""),
        ("POST", fn + "/f/invocations", ["X-Amz-Invocation-Type: Event", "X-Amz-Log-Type: Tail"], '{"a": 1}'),
        ("POST", fn + "/f/invocations", ["X-Amz-Client-Context: eyJhIjoxfQ=="], "\x00\xff raw bytes"),
        ("POST", fn + "/f/invocations", ["X-Amz-Invocation-Type: DryRun"], ""),
        ("POST", "/2015-03-31/event-source-mappings/", [],
         json.dumps({"FunctionName": "f", "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:q", "BatchSize": 5})),
        ("GET", "/2015-03-31/event-source-mappings/?FunctionName=f&EventSourceArn=arn%3Aaws%3Asqs", [], ""),
        ("PUT", "/2015-03-31/event-source-mappings/0b5e3f0a-0000-4000-8000-000000000000", [], '{"Enabled": false}'),
        ("DELETE", "/2015-03-31/event-source-mappings/%2E%2E", [], ""),
        ("PUT", "/2017-10-31/functions/f/concurrency", [], '{"ReservedConcurrentExecutions": 0}'),
        ("POST", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af", [], '{"Tags": {"a": "b"}}'),
        ("DELETE", "/2017-03-31/tags/arn?tagKeys=a&tagKeys=b", [], ""),
        ("POST", fn + "/f/invocations", ["Content-Type: application/json"], "[" * 200 + "]" * 200),
        ("GET", fn + "/%ZZ", [], ""),
        ("POST", fn, [], "{"),
    ]
    out = []
    for method, target, headers, body in requests:
        out.append("\n".join([f"{method} {target}", *headers, "", body]))
    return out


def http_api_seeds():
    """Lines: a route key, a method, a path with a query, a Cookie value, a function's answer. The
    route keys of the HTTP API route tests, with requests and answers of the event tests."""
    keys = [v for v in all_literals(UNIT / "apigw" / "http_api_routes_test.cpp")
            if v == "$default" or re.match(r"^(ANY|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT) ", v)]
    answers = ['{"statusCode":200,"body":"ok"}', '"Hello"', '{"message":"hi"}', '[1,2',
               '{"statusCode":201,"cookies":["a=1"],"headers":{"x":1},"body":"aGk=","isBase64Encoded":true}',
               '{"statusCode":200,"multiValueHeaders":{"x":["1","2"]}}', "[" * 200 + "]" * 200]
    out = []
    for i, key in enumerate(keys):
        path = key.split(" ", 1)[1] if " " in key else "/"
        out.append("\n".join([key, "GET", path + "?a=1&a=2&b=%20", "c1=x; c2=y", answers[i % len(answers)]]))
    out.append("\n".join(["ANY /files/{path+}", "DELETE", "/files/a/b%2Fc", "", answers[4]]))
    out.append("\n".join(["$default", "OPTIONS", "/" + "a/" * 100, "https://a", answers[-1]]))
    return out


def to_msgpack(value):
    """`value` (from json.loads) as nlohmann::json::to_msgpack writes it: the shortest encoding of
    each integer, float 32 when the double survives the round trip, members in byte order."""
    def length(n, fix, fix_max, wide):
        if n <= fix_max:
            return bytes([fix | n])
        for tag, fmt, limit in wide:
            if n <= limit:
                return bytes([tag]) + struct.pack(fmt, n)
        raise ValueError(n)

    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if value >= 0:
            if value < 128:
                return bytes([value])
            for tag, fmt, limit in ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF), (0xCE, ">I", 0xFFFFFFFF)):
                if value <= limit:
                    return bytes([tag]) + struct.pack(fmt, value)
            return b"\xcf" + struct.pack(">Q", value)
        if value >= -32:
            return struct.pack(">b", value)
        for tag, fmt, limit in ((0xD0, ">b", -(2**7)), (0xD1, ">h", -(2**15)), (0xD2, ">i", -(2**31))):
            if value >= limit:
                return bytes([tag]) + struct.pack(fmt, value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, float):
        try:
            if struct.unpack(">f", struct.pack(">f", value))[0] == value:
                return b"\xca" + struct.pack(">f", value)
        except OverflowError:
            pass
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        return length(len(data), 0xA0, 31, ((0xD9, ">B", 0xFF), (0xDA, ">H", 0xFFFF), (0xDB, ">I", 2**32 - 1))) + data
    if isinstance(value, list):
        return length(len(value), 0x90, 15, ((0xDC, ">H", 0xFFFF), (0xDD, ">I", 2**32 - 1))) + b"".join(
            to_msgpack(v) for v in value)
    members = sorted((k.encode("utf-8", "surrogatepass"), v) for k, v in value.items())
    return length(len(members), 0x80, 15, ((0xDE, ">H", 0xFFFF), (0xDF, ">I", 2**32 - 1))) + b"".join(
        to_msgpack(k.decode("utf-8", "surrogatepass")) + to_msgpack(v) for k, v in members)


def item_decode_seeds():
    """Stored items as to_msgpack writes them: the Item and Key members of the DynamoDB corpus,
    values at every length and integer boundary, the nesting limit (128) and one past it, and bytes
    to_msgpack never writes (wide encodings, repeated keys, bin/ext, 0xc1, truncated, trailing)."""
    found = []

    def collect(value):
        if isinstance(value, dict):
            for key, member in value.items():
                if key in ("Item", "Key", "ExclusiveStartKey") and isinstance(member, dict):
                    found.append(member)
                collect(member)
        elif isinstance(value, list):
            for member in value:
                collect(member)

    for path in sorted((ROOT / "tests" / "corpus" / "dynamodb").glob("*.json")):
        collect(json.loads(path.read_text()))
    seeds = [to_msgpack(item) for item in found if "$repeat" not in json.dumps(item)][:30]
    boundaries = [0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
                  -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)]
    seeds.append(to_msgpack({"n": boundaries, "f": [0.5, -0.0, 1e308, 0.1, 3.4e38, 5e-324]}))
    seeds.append(to_msgpack({"s" * n: "x" * n for n in (0, 31, 32, 255, 256)}))
    seeds.append(to_msgpack([list(range(15)), list(range(16)), {str(i): None for i in range(16)}]))
    deep = None
    for _ in range(128):
        deep = [deep]
    seeds.append(to_msgpack(deep))
    seeds.append(to_msgpack([deep]))
    seeds += [
        b"\xcf\x00\x00\x00\x00\x00\x00\x00\x01", b"\xd0\x05", b"\xd9\x01a", b"\xdd\x00\x00\x00\x00",
        b"\x82\xa1a\x01\xa1a\x02", b"\x82\xa1b\x01\xa1a\x02",
        b"\xc4\x01x", b"\xc7\x01\x05x", b"\xd4\x01x", b"\xc1", b"\x92\xc0\xc1", b"\x81\x01\x02",
        b"\xdb\xff\xff\xff\xffa", b"\xdd\x00\x00\x00\x03\xdd\x00\x00\x00\x02\xc0\xc0",
        b"\x81\xa1a", b"\xc0\xc0", b"",
    ]
    return seeds


if __name__ == "__main__":
    main()
