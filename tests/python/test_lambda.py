"""Lambda through boto3 and the AWS CLI: functions, versions, aliases, policies, tags, and real invocations
of python, node and custom-runtime (bash + curl) functions run as local processes behind the Runtime API."""
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
import zipfile

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 0}, read_timeout=120, max_pool_connections=40)
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files):
    """files: name -> text, or (text, unix mode)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buffer.getvalue()


PY_APP = '''
import json, os, time
INIT_PID = os.getpid()
COUNT = {"n": 0}

def handler(event, context):
    COUNT["n"] += 1
    print("handling", json.dumps(event))
    if event.get("fail"):
        raise ValueError("boom: " + event["fail"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("touch"):
        with open(event["touch"], "a") as f:
            f.write(context.aws_request_id + "\\n")
    return {
        "echo": event,
        "pid": os.getpid(),
        "count": COUNT["n"],
        "greeting": os.environ.get("GREETING"),
        "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        "region": os.environ["AWS_REGION"],
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"],
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "cwd": os.getcwd(),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "log_group": os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
        "tz": os.environ.get("TZ"),
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(),
    }
'''

NODE_APP = '''
exports.handler = async (event, context) => {
  console.log("node handling", JSON.stringify(event));
  if (event.fail) { throw new TypeError("node boom: " + event.fail); }
  return { echo: event, runtime: process.env.AWS_EXECUTION_ENV, greeting: process.env.GREETING,
           requestId: context.awsRequestId, arn: context.invokedFunctionArn, pid: process.pid };
};
'''

NODE_ESM_APP = '''
export const handler = (event, context, callback) => {
  callback(null, { style: "callback", value: event.value * 2 });
};
'''

BOOTSTRAP = '''#!/bin/bash
set -euo pipefail
echo "custom runtime init"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "custom handling $EVENT"
  if [[ "$EVENT" == *'"fail"'* ]]; then
    curl -sS -X POST -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \\
      -d '{"errorMessage":"custom failure","errorType":"Custom.Failure"}' \\
      "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/error" > /dev/null
  else
    curl -sS -X POST -d "{\\"custom\\":true,\\"handler\\":\\"$_HANDLER\\",\\"event\\":$EVENT}" \\
      "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" > /dev/null
  fi
  rm -f "$HEADERS"
done
'''


class LambdaTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.client = boto3.client("lambda", endpoint_url=cls.server.url, region_name="us-east-1", config=CONFIG,
                                  aws_access_key_id="test", aws_secret_access_key="test")
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def name(self):
        type(self).counter += 1
        return "%s-%d-%d" % (self._testMethodName.replace("_", "-")[:40], os.getpid(), type(self).counter)

    def create_python(self, name=None, files=None, **kwargs):
        name = name or self.name()
        args = dict(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                    Code={"ZipFile": make_zip(files or {"app.py": PY_APP})})
        args.update(kwargs)
        return self.client.create_function(**args)

    def invoke(self, name, event=None, **kwargs):
        response = self.client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
        response["Body"] = response["Payload"].read()
        return response

    def assertError(self, call, code, message=None, status=None):
        with self.assertRaises(ClientError) as caught:
            call()
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], code, error)
        if message is not None:
            self.assertEqual(error["Error"]["Message"], message)
        if status is not None:
            self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)
        return error


class FunctionApiTest(LambdaTestBase):
    def test_create_get_list_update_delete(self):
        name = self.name()
        code = make_zip({"app.py": PY_APP})
        created = self.client.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": code},
            Description="first", Timeout=10, MemorySize=256, Environment={"Variables": {"GREETING": "hi"}},
            Architectures=["arm64"], Tags={"team": "core"})
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(created["FunctionName"], name)
        self.assertEqual(created["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:" + name)
        self.assertEqual(created["CodeSha256"], base64.b64encode(hashlib.sha256(code).digest()).decode())
        self.assertEqual(created["CodeSize"], len(code))
        self.assertEqual(created["State"], "Pending")
        self.assertEqual(created["Version"], "$LATEST")
        self.assertEqual(created["PackageType"], "Zip")
        self.assertEqual(created["Architectures"], ["arm64"])
        self.assertEqual(created["Environment"], {"Variables": {"GREETING": "hi"}})
        self.assertRegex(created["LastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")

        self.client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        got = self.client.get_function(FunctionName=name)
        config = got["Configuration"]
        self.assertEqual(config["State"], "Active")
        self.assertEqual(config["LastUpdateStatus"], "Successful")
        self.assertEqual(config["Timeout"], 10)
        self.assertEqual(config["MemorySize"], 256)
        self.assertEqual(config["Description"], "first")
        self.assertEqual(config["EphemeralStorage"], {"Size": 512})
        self.assertEqual(config["TracingConfig"], {"Mode": "PassThrough"})
        self.assertEqual(config["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name})
        self.assertEqual(got["Tags"], {"team": "core"})
        self.assertEqual(got["Code"]["RepositoryType"], "S3")
        with urllib.request.urlopen(got["Code"]["Location"], timeout=10) as r:
            self.assertEqual(r.read(), code)
        self.assertEqual(self.client.get_function_configuration(FunctionName=name)["RevisionId"], config["RevisionId"])
        by_arn = self.client.get_function_configuration(FunctionName=config["FunctionArn"])
        self.assertEqual(by_arn["FunctionName"], name)

        updated = self.client.update_function_configuration(FunctionName=name, Timeout=20, Environment={"Variables": {"GREETING": "hello"}})
        self.assertEqual(updated["LastUpdateStatus"], "InProgress")
        self.assertNotEqual(updated["RevisionId"], config["RevisionId"])
        self.client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
        self.assertEqual(self.client.get_function_configuration(FunctionName=name)["Timeout"], 20)

        new_code = make_zip({"app.py": PY_APP + "\n# v2\n"})
        updated = self.client.update_function_code(FunctionName=name, ZipFile=new_code)
        self.assertEqual(updated["CodeSha256"], base64.b64encode(hashlib.sha256(new_code).digest()).decode())
        self.assertError(lambda: self.client.update_function_code(FunctionName=name, ZipFile=new_code, RevisionId="nope"),
                         "PreconditionFailedException",
                         "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", 412)

        deleted = self.client.delete_function(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertError(lambda: self.client.get_function(FunctionName=name), "ResourceNotFoundException",
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:" + name, 404)

    def test_create_errors(self):
        name = self.name()
        self.create_python(name)
        self.assertError(lambda: self.create_python(name), "ResourceConflictException", "Function already exist: " + name, 409)
        self.assertError(lambda: self.create_python(Timeout=901), "ValidationException",
                         "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900", 400)
        # the server's own validation, past botocore's client-side checks
        unchecked = boto3.client("lambda", endpoint_url=self.server.url, region_name="us-east-1",
                                 config=CONFIG.merge(botocore.config.Config(parameter_validation=False)),
                                 aws_access_key_id="test", aws_secret_access_key="test")
        self.assertError(lambda: unchecked.create_function(FunctionName=self.name(), Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                                           Code={"ZipFile": make_zip({"app.py": PY_APP})}, Timeout=0), "ValidationException",
                         "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1", 400)
        self.assertError(lambda: unchecked.create_function(FunctionName=self.name(), Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                                           Code={"ZipFile": make_zip({"app.py": PY_APP})}, MemorySize=64), "ValidationException",
                         "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128")
        self.assertError(lambda: self.create_python(MemorySize=10241), "ValidationException",
                         "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 10240")
        error = self.assertError(lambda: self.create_python(Role="not-a-role"), "ValidationException")
        self.assertIn("Value 'not-a-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern", error["Error"]["Message"])
        big = {"BIG": "x" * 4100}
        error = self.assertError(lambda: self.create_python(Environment={"Variables": big}), "InvalidParameterValueException")
        self.assertTrue(error["Error"]["Message"].startswith(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"xxx"))
        self.assertError(lambda: self.create_python(Environment={"Variables": {"AWS_REGION": "x"}}), "InvalidParameterValueException",
                         "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION")
        self.assertError(lambda: self.create_python(Runtime="python3.7"), "InvalidParameterValueException",
                         "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.")
        self.assertError(lambda: self.client.create_function(FunctionName=self.name(), Runtime="python3.12", Role=ROLE,
                                                             Handler="app.handler", Code={"ZipFile": b"not a zip"}),
                         "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
        self.assertError(lambda: self.client.create_function(FunctionName=self.name(), Runtime="python3.12", Role=ROLE,
                                                             Handler="app.handler", Code={"ZipFile": make_zip({"../evil.py": "x"})}),
                         "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
        self.assertError(lambda: self.client.create_function(FunctionName=self.name(), Role=ROLE, Code={"ZipFile": make_zip({"a": "b"})}),
                         "InvalidParameterValueException", "Runtime and Handler are mandatory parameters for functions created with deployment packages.")

    def test_code_from_s3(self):
        s3 = boto3.client("s3", endpoint_url=self.server.url, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        bucket = "code-" + str(os.getpid())
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="fn.zip", Body=make_zip({"app.py": PY_APP}))
        name = self.name()
        self.client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                                    Code={"S3Bucket": bucket, "S3Key": "fn.zip"})
        self.assertEqual(json.loads(self.invoke(name, {"from": "s3"})["Body"])["echo"], {"from": "s3"})
        self.assertError(lambda: self.client.create_function(FunctionName=self.name(), Runtime="python3.11", Role=ROLE, Handler="app.handler",
                                                             Code={"S3Bucket": bucket, "S3Key": "missing.zip"}),
                         "InvalidParameterValueException",
                         "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.")

    def test_list_functions_pagination(self):
        names = sorted(self.name() for _ in range(5))
        for n in names:
            self.create_python(n)
        seen, marker = [], None
        while True:
            kwargs = {"MaxItems": 2}
            if marker:
                kwargs["Marker"] = marker
            page = self.client.list_functions(**kwargs)
            self.assertLessEqual(len(page["Functions"]), 2)
            seen += [f["FunctionName"] for f in page["Functions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        for n in names:
            self.assertIn(n, seen)
        self.assertEqual(len(seen), len(set(seen)))
        listed = [f["FunctionName"] for p in self.client.get_paginator("list_functions").paginate() for f in p["Functions"]]
        self.assertEqual(sorted(listed), sorted(seen))

    def test_versions_and_aliases(self):
        name = self.name()
        self.create_python(name, Environment={"Variables": {"GREETING": "v1"}})
        v1 = self.client.publish_version(FunctionName=name, Description="one")
        self.assertEqual(v1["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(v1["Version"], "1")
        self.assertEqual(v1["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:%s:1" % name)
        self.assertEqual(self.client.publish_version(FunctionName=name)["Version"], "1")  # nothing changed
        self.assertError(lambda: self.client.publish_version(FunctionName=name, CodeSha256="abc"), "InvalidParameterValueException",
                         "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST." % v1["CodeSha256"])
        self.client.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "v2"}})
        v2 = self.client.publish_version(FunctionName=name)
        self.assertEqual(v2["Version"], "2")
        versions = self.client.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST", "1", "2"])
        self.assertEqual(versions[0]["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:%s:$LATEST" % name)

        alias = self.client.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="prod")
        self.assertEqual(alias["AliasArn"], "arn:aws:lambda:us-east-1:000000000000:function:%s:live" % name)
        self.assertError(lambda: self.client.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
                         "ResourceConflictException", "Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:%s:live" % name, 409)
        self.assertError(lambda: self.client.create_alias(FunctionName=name, Name="bad", FunctionVersion="9"),
                         "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:%s:9" % name)
        self.assertEqual(self.client.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "1")

        by_alias = self.invoke(name, {}, Qualifier="live")
        self.assertEqual(by_alias["ExecutedVersion"], "1")
        self.assertEqual(json.loads(by_alias["Body"])["greeting"], "v1")
        self.assertEqual(json.loads(by_alias["Body"])["arn"], "arn:aws:lambda:us-east-1:000000000000:function:%s:live" % name)
        by_version = self.invoke(name, {}, Qualifier="2")
        self.assertEqual(by_version["ExecutedVersion"], "2")
        self.assertEqual(json.loads(by_version["Body"])["greeting"], "v2")
        self.assertEqual(json.loads(self.invoke(name + ":1", {})["Body"])["version"], "1")
        self.assertEqual(self.invoke(name, {})["ExecutedVersion"], "$LATEST")

        updated = self.client.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                           RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        self.assertEqual(updated["RoutingConfig"], {"AdditionalVersionWeights": {"1": 0.5}})
        executed = {self.invoke(name, {}, Qualifier="live")["ExecutedVersion"] for _ in range(16)}
        self.assertEqual(executed, {"1", "2"})
        self.assertEqual([a["Name"] for a in self.client.list_aliases(FunctionName=name)["Aliases"]], ["live"])
        self.assertError(lambda: self.client.delete_function(FunctionName=name, Qualifier="1"), "ResourceConflictException")
        self.client.delete_alias(FunctionName=name, Name="live")
        self.assertError(lambda: self.client.get_alias(FunctionName=name, Name="live"), "ResourceNotFoundException",
                         "Cannot find alias arn: arn:aws:lambda:us-east-1:000000000000:function:%s:live" % name)
        self.client.delete_function(FunctionName=name, Qualifier="1")
        self.assertEqual([v["Version"] for v in self.client.list_versions_by_function(FunctionName=name)["Versions"]], ["$LATEST", "2"])

    def test_permissions_and_tags(self):
        name = self.name()
        arn = self.create_python(name)["FunctionArn"]
        self.assertError(lambda: self.client.get_policy(FunctionName=name), "ResourceNotFoundException",
                         "The resource you requested does not exist.", 404)
        added = self.client.add_permission(FunctionName=name, StatementId="s3-invoke", Action="lambda:InvokeFunction",
                                           Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket", SourceAccount="000000000000")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        statement = json.loads(added["Statement"])
        self.assertEqual(statement, {
            "Sid": "s3-invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceAccount": "000000000000"}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}})
        self.client.add_permission(FunctionName=name, StatementId="acct", Action="lambda:InvokeFunction", Principal="111122223333")
        self.assertError(lambda: self.client.add_permission(FunctionName=name, StatementId="acct", Action="lambda:InvokeFunction", Principal="*"),
                         "ResourceConflictException",
                         "The statement id (acct) provided already exists. Please provide a new statement id, or remove the existing statement.")
        policy = self.client.get_policy(FunctionName=name)
        document = json.loads(policy["Policy"])
        self.assertEqual(document["Version"], "2012-10-17")
        self.assertEqual([s["Sid"] for s in document["Statement"]], ["s3-invoke", "acct"])
        self.assertEqual(document["Statement"][1]["Principal"], {"AWS": "arn:aws:iam::111122223333:root"})
        self.assertTrue(policy["RevisionId"])
        self.client.remove_permission(FunctionName=name, StatementId="s3-invoke")
        self.assertError(lambda: self.client.remove_permission(FunctionName=name, StatementId="s3-invoke"),
                         "ResourceNotFoundException", "Statement s3-invoke is not found in resource policy.")

        self.client.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
        self.client.untag_resource(Resource=arn, TagKeys=["a"])
        self.assertEqual(self.client.list_tags(Resource=arn)["Tags"], {"b": "2"})
        self.assertError(lambda: self.client.list_tags(Resource=arn + "-missing"), "ResourceNotFoundException")


class InvokeTest(LambdaTestBase):
    def test_python_function(self):
        name = self.name()
        self.create_python(name, Environment={"Variables": {"GREETING": "hello"}}, MemorySize=256)
        response = self.invoke(name, {"key": "value"}, LogType="Tail")
        self.assertEqual(response["StatusCode"], 200)
        self.assertNotIn("FunctionError", response)
        self.assertEqual(response["ExecutedVersion"], "$LATEST")
        body = json.loads(response["Body"])
        self.assertEqual(body["echo"], {"key": "value"})
        self.assertEqual(body["greeting"], "hello")
        self.assertEqual(body["function"], name)
        self.assertEqual(body["version"], "$LATEST")
        self.assertEqual(body["memory"], "256")
        self.assertEqual(body["region"], "us-east-1")
        self.assertEqual(body["endpoint"], self.server.url)
        self.assertEqual(body["log_group"], "/aws/lambda/" + name)
        self.assertEqual(body["tz"], ":UTC")
        self.assertEqual(body["cwd"], body["task_root"])
        self.assertRegex(body["runtime_api"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(body["request_id"], response["ResponseMetadata"]["RequestId"])
        self.assertEqual(body["arn"], "arn:aws:lambda:us-east-1:000000000000:function:" + name)
        self.assertTrue(0 < body["remaining"] <= 3000)
        log = base64.b64decode(response["LogResult"]).decode()
        request_id = body["request_id"]
        self.assertIn("START RequestId: %s Version: $LATEST\n" % request_id, log)
        self.assertIn('handling {"key": "value"}\n', log)
        self.assertIn("END RequestId: %s\n" % request_id, log)
        self.assertRegex(log, r"REPORT RequestId: %s\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t\n$" % request_id)
        self.assertLess(log.index("START"), log.index("handling"))
        self.assertLess(log.index("handling"), log.index("END"))

        # warm reuse: same process, module state kept, no Init Duration
        second = self.invoke(name, {"n": 2}, LogType="Tail")
        warm = json.loads(second["Body"])
        self.assertEqual(warm["pid"], body["pid"])
        self.assertEqual(warm["count"], 2)
        self.assertNotIn("Init Duration", base64.b64decode(second["LogResult"]).decode())
        self.assertNotIn("LogResult", self.invoke(name, {}))

    def test_python_unhandled_error(self):
        name = self.name()
        self.create_python(name)
        response = self.invoke(name, {"fail": "bad input"}, LogType="Tail")
        self.assertEqual(response["StatusCode"], 200)
        self.assertEqual(response["FunctionError"], "Unhandled")
        error = json.loads(response["Body"])
        self.assertEqual(error["errorMessage"], "boom: bad input")
        self.assertEqual(error["errorType"], "ValueError")
        self.assertEqual(error["requestId"], response["ResponseMetadata"]["RequestId"])
        self.assertTrue(any('app.py", line' in frame and "in handler" in frame for frame in error["stackTrace"]), error["stackTrace"])
        log = base64.b64decode(response["LogResult"]).decode()
        self.assertIn("[ERROR] ValueError: boom: bad input", log)
        # the environment survives a handled exception
        self.assertEqual(json.loads(self.invoke(name, {"ok": 1})["Body"])["echo"], {"ok": 1})

    def test_import_error_and_missing_handler(self):
        name = self.name()
        self.create_python(name, Handler="nothere.handler")
        response = self.invoke(name, {})
        self.assertEqual(response["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(response["Body"]), {
            "errorMessage": "Unable to import module 'nothere': No module named 'nothere'",
            "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})
        name = self.name()
        self.create_python(name, Handler="app.missing")
        body = json.loads(self.invoke(name, {})["Body"])
        self.assertEqual(body["errorType"], "Runtime.HandlerNotFound")
        self.assertEqual(body["errorMessage"], "Handler 'missing' missing on module 'app'")

    def test_timeout_kills_the_environment(self):
        name = self.name()
        self.create_python(name, Timeout=1)
        started = time.time()
        response = self.invoke(name, {"sleep": 5}, LogType="Tail")
        self.assertLess(time.time() - started, 4)
        self.assertEqual(response["FunctionError"], "Unhandled")
        body = json.loads(response["Body"])
        self.assertEqual(body["errorType"], "Sandbox.Timedout")
        self.assertRegex(body["errorMessage"], r"^RequestId: %s Error: Task timed out after 1\.\d\d seconds$" % response["ResponseMetadata"]["RequestId"])
        log = base64.b64decode(response["LogResult"]).decode()
        self.assertRegex(log, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after 1\.\d\d seconds" % response["ResponseMetadata"]["RequestId"])
        # a fresh environment serves the next invocation
        self.assertEqual(json.loads(self.invoke(name, {"after": True})["Body"])["count"], 1)

    def test_node_function(self):
        name = self.name()
        self.client.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
                                    Code={"ZipFile": make_zip({"index.js": NODE_APP})}, Environment={"Variables": {"GREETING": "node"}})
        response = self.invoke(name, {"a": 1}, LogType="Tail")
        self.assertNotIn("FunctionError", response)
        body = json.loads(response["Body"])
        self.assertEqual(body["echo"], {"a": 1})
        self.assertEqual(body["runtime"], "AWS_Lambda_nodejs20.x")
        self.assertEqual(body["greeting"], "node")
        self.assertEqual(body["requestId"], response["ResponseMetadata"]["RequestId"])
        log = base64.b64decode(response["LogResult"]).decode()
        self.assertRegex(log, r"\d{4}-\d\d-\d\dT[\d:.]+Z\t%s\tINFO\tnode handling {\"a\":1}\n" % body["requestId"])

        failed = self.invoke(name, {"fail": "x"})
        self.assertEqual(failed["FunctionError"], "Unhandled")
        error = json.loads(failed["Body"])
        self.assertEqual(error["errorType"], "TypeError")
        self.assertEqual(error["errorMessage"], "node boom: x")
        self.assertEqual(error["trace"][0], "TypeError: node boom: x")

        esm = self.name()
        self.client.create_function(FunctionName=esm, Runtime="nodejs22.x", Role=ROLE, Handler="lib/main.handler",
                                    Code={"ZipFile": make_zip({"lib/main.mjs": NODE_ESM_APP})})
        self.assertEqual(json.loads(self.invoke(esm, {"value": 21})["Body"]), {"style": "callback", "value": 42})

    def test_custom_runtime_bootstrap(self):
        name = self.name()
        self.client.create_function(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="my.handler",
                                    Code={"ZipFile": make_zip({"bootstrap": (BOOTSTRAP, 0o755)})})
        response = self.invoke(name, {"x": 1}, LogType="Tail")
        self.assertNotIn("FunctionError", response)
        self.assertEqual(json.loads(response["Body"]), {"custom": True, "handler": "my.handler", "event": {"x": 1}})
        log = base64.b64decode(response["LogResult"]).decode()
        self.assertIn("custom runtime init\n", log)
        failed = self.invoke(name, {"fail": True})
        self.assertEqual(failed["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(failed["Body"]), {"errorMessage": "custom failure", "errorType": "Custom.Failure"})

        missing = self.name()
        self.client.create_function(FunctionName=missing, Runtime="provided.al2", Role=ROLE, Handler="x",
                                    Code={"ZipFile": make_zip({"readme.txt": "no bootstrap"})})
        body = json.loads(self.invoke(missing, {})["Body"])
        self.assertEqual(body["errorType"], "Runtime.InvalidEntrypoint")

    def test_invocation_types_and_limits(self):
        name = self.name()
        self.create_python(name)
        dry = self.client.invoke(FunctionName=name, InvocationType="DryRun")
        self.assertEqual(dry["StatusCode"], 204)
        marker = os.path.join(tempfile.mkdtemp(prefix="gureum-lambda-"), "events.txt")
        event = self.client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"touch": marker}).encode())
        self.assertEqual(event["StatusCode"], 202)
        self.assertEqual(event["Payload"].read(), b"")
        deadline = time.time() + 15
        while time.time() < deadline and not os.path.exists(marker):
            time.sleep(0.05)
        with open(marker) as f:
            self.assertEqual(f.read().strip(), event["ResponseMetadata"]["RequestId"])
        shutil.rmtree(os.path.dirname(marker))

        self.assertError(lambda: self.client.invoke(FunctionName=name, Payload=b"x" * (6 * 1024 * 1024 + 1)),
                         "RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation", 413)
        self.assertError(lambda: self.client.invoke(FunctionName=name, InvocationType="Event", Payload=b'"' + b"x" * (256 * 1024) + b'"'),
                         "RequestEntityTooLargeException", "262146 byte payload is too large for the Event invocation type (limit 262144 bytes)", 413)
        self.assertError(lambda: self.client.invoke(FunctionName=name, Payload=b"{not json"), "InvalidRequestContentException", status=400)
        self.assertError(lambda: self.client.invoke(FunctionName=name + "-missing", Payload=b"{}"), "ResourceNotFoundException",
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:%s-missing" % name, 404)
        self.assertError(lambda: self.client.invoke(FunctionName=name, Qualifier="7", Payload=b"{}"), "ResourceNotFoundException",
                         "Function not found: arn:aws:lambda:us-east-1:000000000000:function:%s:7" % name, 404)

    def test_concurrent_invokes_scale_out(self):
        name = self.name()
        self.create_python(name)
        results, errors = [], []

        def call():
            try:
                results.append(json.loads(self.invoke(name, {"sleep": 0.5})["Body"]))
            except Exception as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)

        threads = [threading.Thread(target=call) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 10)
        pids = {r["pid"] for r in results}
        self.assertGreater(len(pids), 1)
        # environments are warm afterwards: the next calls reuse one of them
        self.assertIn(json.loads(self.invoke(name, {})["Body"])["pid"], pids)


class CliTest(LambdaTestBase):
    def aws(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "--endpoint-url", self.server.url, "--output", "json", "lambda"] + list(args),
                           capture_output=True, text=True, env=env, timeout=120)
        return p

    def test_cli_create_and_invoke(self):
        name = self.name()
        work = tempfile.mkdtemp(prefix="gureum-lambda-cli-")
        try:
            package = os.path.join(work, "fn.zip")
            with open(package, "wb") as f:
                f.write(make_zip({"app.py": PY_APP}))
            p = self.aws("create-function", "--function-name", name, "--runtime", "python3.13", "--role", ROLE,
                         "--handler", "app.handler", "--zip-file", "fileb://" + package)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["FunctionName"], name)
            out = os.path.join(work, "out.json")
            p = self.aws("invoke", "--function-name", name, "--payload", '{"cli": true}',
                         "--log-type", "Tail", out)
            self.assertEqual(p.returncode, 0, p.stderr)
            meta = json.loads(p.stdout)
            self.assertEqual(meta["StatusCode"], 200)
            self.assertEqual(meta["ExecutedVersion"], "$LATEST")
            self.assertIn("START RequestId:", base64.b64decode(meta["LogResult"]).decode())
            with open(out) as f:
                self.assertEqual(json.load(f)["echo"], {"cli": True})
            p = self.aws("get-function", "--function-name", name + "-nope")
            self.assertEqual(p.returncode, 255)  # AWS CLI v1: 255 for service errors
            self.assertIn("An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: "
                          "arn:aws:lambda:us-east-1:000000000000:function:%s-nope" % name, p.stderr)
        finally:
            shutil.rmtree(work)


class DurabilityTest(unittest.TestCase):
    def test_function_survives_sigkill(self):
        data = tempfile.mkdtemp(prefix="gureum-lambda-")
        try:
            server = Server(data_dir=data)
            client = boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                  aws_access_key_id="test", aws_secret_access_key="test")
            client.create_function(FunctionName="durable", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                   Code={"ZipFile": make_zip({"app.py": PY_APP})}, Environment={"Variables": {"GREETING": "kept"}})
            client.publish_version(FunctionName="durable")
            client.create_alias(FunctionName="durable", Name="live", FunctionVersion="1")
            server.kill9()

            server = Server(data_dir=data)
            try:
                client = boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                      aws_access_key_id="test", aws_secret_access_key="test")
                response = client.invoke(FunctionName="durable", Qualifier="live", Payload=b'{"after": "restart"}')
                self.assertEqual(response["ExecutedVersion"], "1")
                body = json.loads(response["Payload"].read())
                self.assertEqual(body["echo"], {"after": "restart"})
                self.assertEqual(body["greeting"], "kept")
                self.assertTrue(body["task_root"].startswith(os.path.join(data, "lambda", "code")))
            finally:
                server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
