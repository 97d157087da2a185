"""Lambda SQS event source mappings through boto3: a message sent to a queue runs a python function."""
import io
import json
import os
import tempfile
import time
import unittest
import zipfile

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 0}, read_timeout=60)
KEYS = dict(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1", config=CONFIG)

APP = '''
import json
def handler(event, context):
    failures = []
    with open(event_file(), "a") as f:
        f.write(json.dumps(event) + "\\n")
    for r in event["Records"]:
        if r["body"].startswith("fail"):
            failures.append({"itemIdentifier": r["messageId"]})
    return {"batchItemFailures": failures}

def event_file():
    import os
    return os.environ["OUT"]
'''


def make_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


def wait_for(predicate, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


class EventSourceMappingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.lam = boto3.client("lambda", endpoint_url=cls.server.url, **KEYS)
        cls.sqs = boto3.client("sqs", endpoint_url=cls.server.url, **KEYS)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def setup_function(self, name):
        out = os.path.join(self.tmp.name, name + ".jsonl")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
                                 Handler="app.handler", Code={"ZipFile": make_zip({"app.py": APP})},
                                 Environment={"Variables": {"OUT": out}})
        return out

    def read_events(self, out):
        if not os.path.exists(out):
            return []
        with open(out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_sqs_message_triggers_function(self):
        out = self.setup_function("esm-basic")
        q = self.sqs.create_queue(QueueName="esm-basic")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        m = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="esm-basic", BatchSize=5)
        self.assertEqual(m["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(m["State"], "Creating")
        self.assertEqual(m["BatchSize"], 5)
        self.assertEqual(m["EventSourceArn"], arn)
        self.assertEqual(m["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:esm-basic")
        self.assertEqual(m["EventSourceMappingArn"], "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + m["UUID"])
        got = self.lam.get_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(got["State"], "Enabled")
        self.assertEqual([x["UUID"] for x in self.lam.list_event_source_mappings(FunctionName="esm-basic")["EventSourceMappings"]], [m["UUID"]])
        self.assertEqual(len(self.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]), 1)
        with self.assertRaises(ClientError) as caught:
            self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="esm-basic")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceConflictException")

        sent = self.sqs.send_message(QueueUrl=q, MessageBody="hello lambda",
                                     MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
        events = wait_for(lambda: self.read_events(out))
        self.assertEqual(len(events), 1)
        record = events[0]["Records"][0]
        self.assertEqual(record["messageId"], sent["MessageId"])
        self.assertEqual(record["body"], "hello lambda")
        self.assertEqual(record["md5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(record["eventSource"], "aws:sqs")
        self.assertEqual(record["eventSourceARN"], arn)
        self.assertEqual(record["awsRegion"], "us-east-1")
        self.assertTrue(record["receiptHandle"])
        self.assertEqual(record["attributes"]["ApproximateReceiveCount"], "1")
        self.assertIn("SentTimestamp", record["attributes"])
        self.assertEqual(record["messageAttributes"]["color"],
                         {"stringValue": "red", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
        # deleted on success
        attrs = wait_for(lambda: (lambda a: a if a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0" else None)(
            self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])["Attributes"]))
        self.assertIsNotNone(attrs)

        # disabled: messages stay in the queue
        upd = self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
        self.assertEqual(upd["State"], "Updating")
        self.assertEqual(self.lam.get_event_source_mapping(UUID=m["UUID"])["State"], "Disabled")
        time.sleep(0.5)
        self.sqs.send_message(QueueUrl=q, MessageBody="while disabled")
        time.sleep(1.5)
        self.assertEqual(len(self.read_events(out)), 1)
        self.lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
        self.assertEqual(wait_for(lambda: len(self.read_events(out)) == 2 and 2), 2)

        d = self.lam.delete_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(d["State"], "Deleting")
        with self.assertRaises(ClientError) as caught:
            self.lam.get_event_source_mapping(UUID=m["UUID"])
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_partial_batch_failures_go_to_dlq(self):
        out = self.setup_function("esm-partial")
        dlq = self.sqs.create_queue(QueueName="esm-partial-dlq")["QueueUrl"]
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        q = self.sqs.create_queue(QueueName="esm-partial", Attributes={
            "VisibilityTimeout": "3",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sqs.send_message_batch(QueueUrl=q, Entries=[
            {"Id": "a", "MessageBody": "ok one"}, {"Id": "b", "MessageBody": "fail two"}, {"Id": "c", "MessageBody": "ok three"}])
        m = self.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="esm-partial", BatchSize=10,
                                                 MaximumBatchingWindowInSeconds=1,
                                                 FunctionResponseTypes=["ReportBatchItemFailures"])
        self.assertEqual(m["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(m["MaximumBatchingWindowInSeconds"], 1)
        moved = wait_for(lambda: self.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"), 30)
        self.assertEqual([x["Body"] for x in moved], ["fail two"])
        bodies = [r["body"] for e in self.read_events(out) for r in e["Records"]]
        self.assertEqual(bodies.count("ok one"), 1)   # successes were deleted after the first batch
        self.assertEqual(bodies.count("ok three"), 1)
        self.assertEqual(bodies.count("fail two"), 2)  # redelivered until maxReceiveCount
        self.lam.delete_event_source_mapping(UUID=m["UUID"])


if __name__ == "__main__":
    unittest.main()
