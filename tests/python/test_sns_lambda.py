"""SNS -> Lambda delivery through boto3: a lambda subscription invokes the function asynchronously with
AWS's SNS event (Records[0].Sns ...)."""
import json
import os
import shutil
import tempfile
import time
import unittest

import boto3
import botocore.config

from gureum_server import Server
from test_lambda import make_zip, ROLE

CONFIG = botocore.config.Config(retries={"max_attempts": 0}, read_timeout=120)

APP = '''
import json, os
def handler(event, context):
    with open(os.path.join(os.environ["OUT_DIR"], context.aws_request_id + ".json"), "w") as f:
        json.dump(event, f)
    return {"ok": True}
'''


def read_json(path):
    with open(path) as f:
        return json.load(f)


def wait_files(directory, count, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
        if len(names) >= count:
            time.sleep(0.2)
            return [read_json(os.path.join(directory, n)) for n in names]
        time.sleep(0.2)
    raise AssertionError(f"expected {count} invocations in {directory}, got {os.listdir(directory)}")


class SnsLambdaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        kw = dict(endpoint_url=cls.server.url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=CONFIG)
        cls.sns = boto3.client("sns", **kw)
        cls.lam = boto3.client("lambda", **kw)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="sns-lambda-")
        self.addCleanup(shutil.rmtree, self.out, True)

    def make_function(self, name):
        arn = self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                       Code={"ZipFile": make_zip({"app.py": APP})},
                                       Environment={"Variables": {"OUT_DIR": self.out}})["FunctionArn"]
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)
        return arn

    def test_publish_invokes_function_with_sns_event(self):
        fn = self.make_function("sns-target")
        topic = self.sns.create_topic(Name="to-lambda")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn, ReturnSubscriptionArn=True)["SubscriptionArn"]
        message_id = self.sns.publish(TopicArn=topic, Message="hello lambda", Subject="greeting",
                                      MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"},
                                                         "size": {"DataType": "Number", "StringValue": "3"}})["MessageId"]
        [event] = wait_files(self.out, 1)
        self.assertEqual(list(event), ["Records"])
        self.assertEqual(len(event["Records"]), 1)
        record = event["Records"][0]
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventVersion"], "1.0")
        self.assertEqual(record["EventSubscriptionArn"], sub)
        sns = record["Sns"]
        self.assertEqual(sns["Type"], "Notification")
        self.assertEqual(sns["MessageId"], message_id)
        self.assertEqual(sns["TopicArn"], topic)
        self.assertEqual(sns["Subject"], "greeting")
        self.assertEqual(sns["Message"], "hello lambda")
        self.assertEqual(sns["SignatureVersion"], "1")
        self.assertRegex(sns["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertTrue(len(sns["Signature"]) > 100)
        self.assertTrue(sns["SigningCertUrl"].endswith(".pem"), sns["SigningCertUrl"])
        self.assertIn("Action=Unsubscribe", sns["UnsubscribeUrl"])
        self.assertEqual(sns["MessageAttributes"], {"color": {"Type": "String", "Value": "blue"},
                                                    "size": {"Type": "Number", "Value": "3"}})
        self.assertEqual(set(sns), {"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                                    "Signature", "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"})

    def test_no_subject_is_null_and_attributes_empty(self):
        fn = self.make_function("sns-target-2")
        topic = self.sns.create_topic(Name="to-lambda-2")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
        self.sns.publish(TopicArn=topic, Message=json.dumps({"default": "d", "lambda": "for lambda"}), MessageStructure="json")
        [event] = wait_files(self.out, 1)
        sns = event["Records"][0]["Sns"]
        self.assertIsNone(sns["Subject"])
        self.assertEqual(sns["Message"], "for lambda")
        self.assertEqual(sns["MessageAttributes"], {})

    def test_filter_policy_applies_to_lambda(self):
        fn = self.make_function("sns-target-3")
        topic = self.sns.create_topic(Name="to-lambda-3")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn,
                           Attributes={"FilterPolicy": json.dumps({"kind": ["wanted"]})})
        self.sns.publish(TopicArn=topic, Message="skip", MessageAttributes={"kind": {"DataType": "String", "StringValue": "other"}})
        self.sns.publish(TopicArn=topic, Message="take", MessageAttributes={"kind": {"DataType": "String", "StringValue": "wanted"}})
        [event] = wait_files(self.out, 1)
        time.sleep(1.0)
        self.assertEqual(len([n for n in os.listdir(self.out) if n.endswith(".json")]), 1)
        self.assertEqual(event["Records"][0]["Sns"]["Message"], "take")


if __name__ == "__main__":
    unittest.main()
