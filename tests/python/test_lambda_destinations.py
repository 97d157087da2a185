"""Lambda asynchronous invocation settings (Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s)),
OnSuccess/OnFailure destinations (SQS, SNS, Lambda) and the dead-letter queue, through boto3."""
import json
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server
from test_lambda import make_zip, ROLE

CONFIG = botocore.config.Config(retries={"max_attempts": 0}, read_timeout=120)

APP = '''
def handler(event, context):
    if event.get("fail"):
        raise ValueError("boom: " + event["fail"])
    return {"answer": 42, "got": event}
'''


class LambdaDestinationsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        kw = dict(endpoint_url=cls.server.url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=CONFIG)
        cls.lam = boto3.client("lambda", **kw)
        cls.sqs = boto3.client("sqs", **kw)
        cls.sns = boto3.client("sns", **kw)
        cls.account = boto3.client("sts", **kw).get_caller_identity()["Account"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def make_function(self, name, **extra):
        arn = self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                       Code={"ZipFile": make_zip({"app.py": APP})}, **extra)["FunctionArn"]
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return arn

    def make_queue(self, name):
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def receive(self, url, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            messages = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
            if messages:
                return messages[0]
        raise AssertionError("no message in " + url)

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response

    # ---- config CRUD

    def test_event_invoke_config_crud(self):
        fn = self.make_function("cfg-crud")
        _, q = self.make_queue("cfg-crud-q")
        err = self.error(self.lam.get_function_event_invoke_config, FunctionName="cfg-crud")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(err["Error"]["Message"], f"The function {fn}:$LATEST doesn't have an EventInvokeConfig")

        put = self.lam.put_function_event_invoke_config(FunctionName="cfg-crud", MaximumRetryAttempts=1,
                                                        DestinationConfig={"OnSuccess": {"Destination": q}})
        self.assertEqual(put["FunctionArn"], fn + ":$LATEST")
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertNotIn("MaximumEventAgeInSeconds", put)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {"Destination": q}, "OnFailure": {}})
        self.assertIn("LastModified", put)

        upd = self.lam.update_function_event_invoke_config(FunctionName="cfg-crud", MaximumEventAgeInSeconds=120)
        self.assertEqual(upd["MaximumRetryAttempts"], 1)
        self.assertEqual(upd["MaximumEventAgeInSeconds"], 120)
        self.assertEqual(upd["DestinationConfig"]["OnSuccess"], {"Destination": q})

        got = self.lam.get_function_event_invoke_config(FunctionName="cfg-crud")
        self.assertEqual(got["MaximumEventAgeInSeconds"], 120)

        # Put replaces everything
        put2 = self.lam.put_function_event_invoke_config(FunctionName="cfg-crud", MaximumEventAgeInSeconds=60)
        self.assertNotIn("MaximumRetryAttempts", put2)
        self.assertEqual(put2["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})

        listed = self.lam.list_function_event_invoke_configs(FunctionName="cfg-crud")["FunctionEventInvokeConfigs"]
        self.assertEqual([c["FunctionArn"] for c in listed], [fn + ":$LATEST"])

        self.lam.delete_function_event_invoke_config(FunctionName="cfg-crud")
        self.assertEqual(self.lam.list_function_event_invoke_configs(FunctionName="cfg-crud")["FunctionEventInvokeConfigs"], [])
        err = self.error(self.lam.delete_function_event_invoke_config, FunctionName="cfg-crud")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        err = self.error(self.lam.update_function_event_invoke_config, FunctionName="cfg-crud", MaximumRetryAttempts=0)
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")

    def test_config_validation(self):
        self.make_function("cfg-validate")
        err = self.error(self.lam.put_function_event_invoke_config, FunctionName="cfg-validate", MaximumRetryAttempts=3)
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertIn("maximumRetryAttempts", err["Error"]["Message"])
        raw = boto3.client("lambda", endpoint_url=self.server.url, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test",
                           config=botocore.config.Config(retries={"max_attempts": 0}, parameter_validation=False))
        err = self.error(raw.put_function_event_invoke_config, FunctionName="cfg-validate", MaximumEventAgeInSeconds=59)
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertIn("maximumEventAgeInSeconds", err["Error"]["Message"])
        err = self.error(self.lam.put_function_event_invoke_config, FunctionName="cfg-validate",
                         DestinationConfig={"OnFailure": {"Destination": "arn:aws:dynamodb:us-east-1:000000000000:table/t"}})
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValueException")
        err = self.error(self.lam.put_function_event_invoke_config, FunctionName="nope", MaximumRetryAttempts=0)
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        err = self.error(self.lam.put_function_event_invoke_config, FunctionName="cfg-validate", Qualifier="7", MaximumRetryAttempts=0)
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")

    # ---- delivery

    def test_on_success_to_sqs(self):
        fn = self.make_function("dest-ok")
        url, q = self.make_queue("dest-ok-q")
        self.lam.put_function_event_invoke_config(FunctionName="dest-ok", DestinationConfig={"OnSuccess": {"Destination": q}})
        resp = self.lam.invoke(FunctionName="dest-ok", InvocationType="Event", Payload=json.dumps({"n": 1}))
        self.assertEqual(resp["StatusCode"], 202)
        request_id = resp["ResponseMetadata"]["RequestId"]
        record = json.loads(self.receive(url)["Body"])
        self.assertEqual(record["version"], "1.0")
        self.assertRegex(record["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(record["requestContext"], {"requestId": request_id, "functionArn": fn + ":$LATEST",
                                                    "condition": "Success", "approximateInvokeCount": 1})
        self.assertEqual(record["requestPayload"], {"n": 1})
        self.assertEqual(record["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(record["responsePayload"], {"answer": 42, "got": {"n": 1}})

    def test_on_failure_to_sns_and_dlq(self):
        fn = self.make_function("dest-fail")
        topic = self.sns.create_topic(Name="dest-fail-topic")["TopicArn"]
        url, q = self.make_queue("dest-fail-sub")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=q, Attributes={"RawMessageDelivery": "true"})
        dlq_url, dlq = self.make_queue("dest-fail-dlq")
        self.lam.update_function_configuration(FunctionName="dest-fail", DeadLetterConfig={"TargetArn": dlq})
        self.lam.get_waiter("function_updated_v2").wait(FunctionName="dest-fail")
        self.lam.put_function_event_invoke_config(FunctionName="dest-fail", MaximumRetryAttempts=0,
                                                  DestinationConfig={"OnFailure": {"Destination": topic}})
        resp = self.lam.invoke(FunctionName="dest-fail", InvocationType="Event", Payload=json.dumps({"fail": "x"}))
        request_id = resp["ResponseMetadata"]["RequestId"]
        record = json.loads(self.receive(url)["Body"])
        self.assertEqual(record["requestContext"], {"requestId": request_id, "functionArn": fn + ":$LATEST",
                                                    "condition": "RetriesExhausted", "approximateInvokeCount": 1})
        self.assertEqual(record["requestPayload"], {"fail": "x"})
        self.assertEqual(record["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(record["responsePayload"]["errorType"], "ValueError")
        self.assertEqual(record["responsePayload"]["errorMessage"], "boom: x")

        dead = self.receive(dlq_url)
        self.assertEqual(json.loads(dead["Body"]), {"fail": "x"})
        attrs = dead["MessageAttributes"]
        self.assertEqual(attrs["RequestID"], {"StringValue": request_id, "DataType": "String"})
        self.assertEqual(attrs["ErrorCode"], {"StringValue": "200", "DataType": "Number"})
        self.assertEqual(attrs["ErrorMessage"], {"StringValue": "boom: x", "DataType": "String"})

    def test_on_success_to_lambda(self):
        self.make_function("dest-chain-a")
        url, q = self.make_queue("dest-chain-q")
        b = self.make_function("dest-chain-b")
        self.lam.put_function_event_invoke_config(FunctionName="dest-chain-b", DestinationConfig={"OnSuccess": {"Destination": q}})
        self.lam.put_function_event_invoke_config(FunctionName="dest-chain-a", DestinationConfig={"OnSuccess": {"Destination": b}})
        self.lam.invoke(FunctionName="dest-chain-a", InvocationType="Event", Payload=json.dumps({"step": 1}))
        record = json.loads(self.receive(url)["Body"])
        # b's own success record: its request payload is a's destination record
        self.assertEqual(record["requestContext"]["condition"], "Success")
        self.assertTrue(record["requestContext"]["functionArn"].endswith(":function:dest-chain-b:$LATEST"))
        inner = record["requestPayload"]
        self.assertEqual(inner["version"], "1.0")
        self.assertTrue(inner["requestContext"]["functionArn"].endswith(":function:dest-chain-a:$LATEST"))
        self.assertEqual(inner["requestPayload"], {"step": 1})

    def test_sync_invoke_does_not_use_destinations(self):
        self.make_function("dest-sync")
        url, q = self.make_queue("dest-sync-q")
        self.lam.put_function_event_invoke_config(FunctionName="dest-sync", DestinationConfig={"OnSuccess": {"Destination": q}})
        resp = self.lam.invoke(FunctionName="dest-sync", Payload=json.dumps({"n": 2}))
        self.assertEqual(resp["StatusCode"], 200)
        time.sleep(1.5)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0))


if __name__ == "__main__":
    unittest.main()
