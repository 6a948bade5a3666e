"""fogbank's bootstrap for Python functions: the counterpart of Lambda's awslambdaric.

Standard library only. Loads _HANDLER ("module.function", "package/module.function") from
LAMBDA_TASK_ROOT and serves invocations from AWS_LAMBDA_RUNTIME_API, with the error payloads, log
formats and Runtime.* init errors of AWS's runtime interface client (research doc §3.2, §9.2;
aws-lambda-python-runtime-interface-client, awslambdaric/bootstrap.py). Before the handler's module
is imported it points botocore < 1.31 at fogbank and, in deterministic runs, pins the clock and
seeds randomness.
"""

import decimal
import http.client
import importlib
import importlib.util
import json
import logging
import math
import os
import sys
import time
import traceback

# fogbank's settings for the module's own initialization; not left for the handler to see.
_SETTINGS = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith("_FOGBANK_")}
_HERE = os.path.dirname(os.path.abspath(__file__))

import fogbank_determinism  # noqa: E402  (from this directory: sys.path[0] is still _HERE)


def _load_endpoint_patch():
    # sitecustomize (PYTHONPATH) has usually installed it already; the function's own PYTHONPATH
    # may have hidden it.
    module = sys.modules.get("_fogbank_endpoint")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "_fogbank_endpoint", os.path.join(_HERE, "site", "_fogbank_endpoint.py")
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["_fogbank_endpoint"] = module
    module.install()


ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE U+00A0
LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with "
    "a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---- loading the handler ------------------------------------------------------------------------


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname), None
        )


# ---- errors and logs ----------------------------------------------------------------------------


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def user_frames(tb):
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            return frames[i:]
    return frames


def build_fault_result(exc_info, msg, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(msg if msg else str(value), etype.__name__, traceback.format_list(user_frames(tb)), invoke_id)


def replace_line_indentation(line, indent_char, new_indent_char):
    count = len(line) - len(line.lstrip(indent_char))
    return (new_indent_char * count) + line[count:]


def log_error(error_result):
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                for line in element.splitlines():
                    lines.append(replace_line_indentation(line, " ", ERROR_LOG_IDENT))
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


class Unbuffered:
    # Lambda's runtime flushes every write: a line is in the pipe before the answer is posted.
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


_REQUEST_ID = None


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _REQUEST_ID or ""
        return True


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))


def setup_logging():
    # The root logger's level is set only when AWS_LAMBDA_LOG_LEVEL is given: by default
    # logging.info() is dropped, as in Lambda.
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"
        )
    )
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    logger = logging.getLogger()
    if level in logging._nameToLevel:
        logger.setLevel(level)
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)


# ---- the context object -------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def make_obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


class LambdaContext:
    def __init__(self, invoke_id, client_context, cognito_identity, epoch_deadline_time_in_ms, invoked_function_arn):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)
        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))


def parse_json_header(header, name):
    try:
        return json.loads(header)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)), None
        )


# ---- marshalling --------------------------------------------------------------------------------


class Encoder(json.JSONEncoder):
    # AWS's runtime uses simplejson, which writes a Decimal (what boto3's DynamoDB resource
    # returns) as a number; the standard library can only approximate: whole Decimals exactly,
    # others as floats.
    def __init__(self):
        super().__init__(ensure_ascii=os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12")

    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            if obj.is_nan():
                return math.nan
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        return super().default(obj)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return Encoder().encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None)


def unmarshal_request(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None)


# ---- the Runtime API ----------------------------------------------------------------------------


class RuntimeClient:
    def __init__(self, host_port):
        host, port = host_port.rsplit(":", 1)
        self._connection = http.client.HTTPConnection(host, int(port))

    def _request(self, method, path, body=None, headers=None):
        # One reconnect: the Runtime API closes the connection after refusing an oversized body.
        for attempt in (1, 2):
            try:
                self._connection.request(method, path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                return response, response.read()
            except (http.client.HTTPException, ConnectionError):
                self._connection.close()
                if attempt == 2:
                    raise

    def wait_next_invocation(self):
        return self._request("GET", "/2018-06-01/runtime/invocation/next")

    def _post(self, path, body, content_type, extra_headers=None):
        headers = {"Content-Type": content_type}
        headers.update(extra_headers or {})
        response, text = self._request("POST", path, body, headers)
        if response.status >= 400:
            sys.stdout.write(
                "LAMBDA_RUNTIME Failed to post to {}. Http response code: {}. {}\n".format(
                    path, response.status, text.decode("utf-8", "replace")
                )
            )

    def post_invocation_result(self, invoke_id, result, content_type):
        self._post("/2018-06-01/runtime/invocation/{}/response".format(invoke_id), result, content_type)

    def post_invocation_error(self, invoke_id, error_result):
        self._post(
            "/2018-06-01/runtime/invocation/{}/error".format(invoke_id),
            json.dumps(error_result).encode("utf-8"),
            "application/json",
            {"Lambda-Runtime-Function-Error-Type": error_result["errorType"]},
        )

    def post_init_error(self, error_result):
        self._post(
            "/2018-06-01/runtime/init/error",
            json.dumps(error_result).encode("utf-8"),
            "application/json",
            {"Lambda-Runtime-Function-Error-Type": error_result["errorType"]},
        )


# ---- the loop -----------------------------------------------------------------------------------


def handle_event_request(client, request_handler, invoke_id, body, headers):
    error_result = None
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            invoke_id,
            parse_json_header(client_context, "Client Context") if client_context else None,
            parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
        )
        event = unmarshal_request(body, headers.get("Content-Type") or "application/json")
        result, content_type = marshal_response(request_handler(event, context))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None, invoke_id)
    if error_result is not None:
        log_error(error_result)
        client.post_invocation_error(invoke_id, error_result)
    else:
        client.post_invocation_result(invoke_id, result, content_type)


def main():
    global _REQUEST_ID
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    # The handler's modules come from the task root, as on Lambda (/var/task first on sys.path).
    sys.path[0] = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    setup_logging()
    _load_endpoint_patch()
    fogbank_determinism.install(
        _SETTINGS.get("_FOGBANK_DETERMINISTIC") == "1",
        _SETTINGS.get("_FOGBANK_INIT_TIME_MS"),
        _SETTINGS.get("_FOGBANK_INIT_SEED"),
    )
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        request_handler = get_handler(os.environ["_HANDLER"])
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
        logging.warning(LAMBDA_WARNING)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), None)
        logging.warning(LAMBDA_WARNING)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    while True:
        try:
            response, body = client.wait_next_invocation()
        except (http.client.HTTPException, OSError):
            sys.exit(1)  # the Runtime API is gone: fogbank stopped this worker
        headers = response.headers
        _REQUEST_ID = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        fogbank_determinism.on_invocation(headers.get("Fogbank-Service-Time-Ms"), headers.get("Fogbank-Random-Seed"))
        handle_event_request(client, request_handler, _REQUEST_ID, body, headers)


if __name__ == "__main__":
    main()
