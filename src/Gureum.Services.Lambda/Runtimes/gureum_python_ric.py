# Gureum's runtime-interface client for the python3.x Lambda runtimes.
# Run by the machine's python3 with the environment Lambda sets (AWS_LAMBDA_RUNTIME_API, _HANDLER,
# LAMBDA_TASK_ROOT, ...): imports the handler module once (init), then loops over the Runtime API's
# /invocation/next, calling the handler and posting its result or error. Standard library only.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
BASE = "/2018-06-01/runtime"
# Written to stdout and stderr after each invocation so Gureum knows the invocation's output is complete.
END_MARK = b"\x1fGUREUM-END\x1f\n"

_conn = None


def _request(method, path, body=None, headers=None):
    global _conn
    for attempt in (0, 1):
        try:
            if _conn is None:
                _conn = http.client.HTTPConnection(API, timeout=None)
            _conn.request(method, BASE + path, body=body, headers=headers or {})
            response = _conn.getresponse()
            return response, response.read()
        except (OSError, http.client.HTTPException):
            if _conn is not None:
                _conn.close()
            _conn = None
            if attempt:
                raise
    raise RuntimeError("unreachable")


def _error_body(error_type, message, stack, request_id=""):
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def _exception_body(exc, request_id):
    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
    return _error_body(type(exc).__name__, str(exc), stack, request_id)


def _log_error(body):
    lines = "".join(body["stackTrace"])
    sys.stdout.write("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (body["errorType"], body["errorMessage"], lines))


def _mark_end():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    os.write(1, END_MARK)
    os.write(2, END_MARK)


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _configure_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_path, _, function_name = spec.rpartition(".")
    if not module_path or not function_name:
        return None, _error_body("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec, [])
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        return None, _error_body("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_path, e), [])
    except SyntaxError as e:
        return None, _error_body("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_path, e), [])
    except Exception as e:
        return None, _exception_body(e, "")
    handler = getattr(module, function_name, None)
    if handler is None:
        return None, _error_body("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_path), [])
    return handler, None


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    for extra in ("/opt/python", task_root):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    _configure_logging()
    handler, init_error = _load_handler()
    if init_error is not None:
        _log_error(init_error)
        _mark_end()
        _request("POST", "/init/error", json.dumps(init_error).encode(),
                 {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": init_error["errorType"]})
        sys.exit(1)
    while True:
        response, body = _request("GET", "/invocation/next")
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id", "")
        deadline = int(response.getheader("Lambda-Runtime-Deadline-Ms", "0") or 0)
        arn = response.getheader("Lambda-Runtime-Invoked-Function-Arn", "")
        trace = response.getheader("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        client_context = response.getheader("Lambda-Runtime-Client-Context")
        identity = response.getheader("Lambda-Runtime-Cognito-Identity")
        _RequestIdFilter.request_id = request_id
        context = LambdaContext(request_id, deadline, arn,
                                json.loads(client_context) if client_context else None,
                                json.loads(identity) if identity else None)
        try:
            event = json.loads(body) if body else {}
            result = handler(event, context)
            try:
                payload = json.dumps(result).encode()
            except (TypeError, ValueError) as e:
                error = _error_body("Runtime.MarshalError", "Unable to marshal response: %s" % e, [], request_id)
                _log_error(error)
                _mark_end()
                _request("POST", "/invocation/%s/error" % request_id, json.dumps(error).encode(),
                         {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]})
                continue
            _mark_end()
            _request("POST", "/invocation/%s/response" % request_id, payload, {"Content-Type": "application/json"})
        except Exception as e:
            error = _exception_body(e, request_id)
            _log_error(error)
            _mark_end()
            _request("POST", "/invocation/%s/error" % request_id, json.dumps(error).encode(),
                     {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]})


if __name__ == "__main__":
    try:
        main()
    except (OSError, http.client.HTTPException):
        # The Runtime API went away: Gureum stopped or reaped this environment.
        sys.exit(0)
