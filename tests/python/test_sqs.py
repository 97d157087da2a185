"""SQS through boto3 (JSON 1.0), botocore forced to the query protocol, and raw HTTP: queues, messages,
FIFO, dead-letter queues, errors, long polling, concurrency and durability."""
import base64
import copy
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.loaders
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=80)
PATCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "specs", "patches", "sqs.json")


def sqs_client(url, protocol="json", key="test", region="us-east-1"):
    """boto3's SQS client; with protocol="query", the same model as the query API described it (the
    query names from specs/patches/sqs.json), so requests are form posts and answers XML, as old SDKs send."""
    if protocol == "json":
        return boto3.client("sqs", endpoint_url=url, region_name=region, config=CONFIG,
                            aws_access_key_id=key, aws_secret_access_key="test")
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    original = loader.load_service_model

    def load(service_name, type_name, api_version=None):
        model = original(service_name, type_name, api_version)
        if service_name == "sqs" and type_name == "service-2":
            model = copy.deepcopy(model)
            model["metadata"]["protocol"] = "query"
            model["metadata"]["protocols"] = ["query"]
            with open(PATCH) as f:
                patch = json.load(f)
            for name, shape_patch in patch["shapes"].items():
                shape = model["shapes"][name]
                for part in ("member", "key", "value"):
                    if part in shape_patch:
                        shape[part]["locationName"] = shape_patch[part]["locationName"]
                for member, traits in shape_patch.get("members", {}).items():
                    shape["members"][member]["locationName"] = traits["xmlName"]
            for op in model["operations"].values():
                if "output" in op:
                    op["output"]["resultWrapper"] = op["name"] + "Result"
        return model

    loader.load_service_model = load
    return session.create_client("sqs", endpoint_url=url, region_name=region, config=CONFIG,
                                 aws_access_key_id=key, aws_secret_access_key="test")


def md5_of_attributes(attributes):
    """AWS's documented MD5OfMessageAttributes encoding, computed independently of the server."""
    buf = b""
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            buf += struct.pack(">I", len(part)) + part
        if "BinaryValue" in value:
            buf += b"\x02" + struct.pack(">I", len(value["BinaryValue"])) + value["BinaryValue"]
        else:
            data = value["StringValue"].encode()
            buf += b"\x01" + struct.pack(">I", len(data)) + data
    return hashlib.md5(buf).hexdigest()


def signed_post(url, body, expect_status=200):
    """A form POST signed with SigV4 for sqs, as an old SDK would send it; returns the XML text."""
    request = AWSRequest(method="POST", url=url, data=body.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, method="POST", headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(http) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    assert status == expect_status, (status, text)
    return text


class SqsTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.sqs = sqs_client(cls.server.url)
        cls.query = sqs_client(cls.server.url, "query")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    counter = 0

    def name(self, suffix=""):
        SqsTestBase.counter += 1
        return "%s-%d%s" % (self._testMethodName[:40].replace("_", "-"), SqsTestBase.counter, suffix)

    def create(self, suffix="", **attributes):
        return self.sqs.create_queue(QueueName=self.name(suffix), Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]

    def assertError(self, call, code, message=None, status=400, query_code=None):
        with self.assertRaises(ClientError) as cm:
            call()
        error = cm.exception.response["Error"]
        self.assertEqual(error["Code"], code)
        if message is not None:
            self.assertEqual(error["Message"], message)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        if query_code is not None:
            headers = cm.exception.response["ResponseMetadata"]["HTTPHeaders"]
            self.assertEqual(headers.get("x-amzn-query-error"), query_code)
        return cm.exception.response


class QueueTest(SqsTestBase):
    def test_create_get_url_list_delete(self):
        name = self.name()
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.assertEqual(url, "%s/000000000000/%s" % (self.server.url, name))
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        self.assertEqual(self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="000000000000")["QueueUrl"], url)
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix=name)["QueueUrls"])
        self.sqs.delete_queue(QueueUrl=url)
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix=name))
        self.assertError(lambda: self.sqs.get_queue_url(QueueName=name), "AWS.SimpleQueueService.NonExistentQueue",
                         "The specified queue does not exist.", query_code="AWS.SimpleQueueService.NonExistentQueue;Sender")
        # Recreating within 60 seconds of deletion is refused, as AWS does.
        self.assertError(lambda: self.sqs.create_queue(QueueName=name), "AWS.SimpleQueueService.QueueDeletedRecently",
                         "You must wait 60 seconds after deleting a queue before you can create another with the same name.")

    def test_create_is_idempotent_and_conflicts_only_on_different_attributes(self):
        name = self.name()
        url = self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"], url)
        self.assertEqual(self.sqs.create_queue(QueueName=name)["QueueUrl"], url)
        self.assertError(lambda: self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "46"}),
                         "QueueAlreadyExists",
                         "A queue already exists with the same name and a different value for attribute VisibilityTimeout",
                         query_code="QueueAlreadyExists;Sender")

    def test_queue_name_rules(self):
        rule = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        for bad in ("a" * 81, "has space", "dot.name", "x.fifo"):
            self.assertError(lambda: self.sqs.create_queue(QueueName=bad), "InvalidParameterValue", rule)
        self.sqs.create_queue(QueueName="a" * 80)
        fifo_rule = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                     "must end with .fifo suffix and be 1 to 80 in length.")
        self.assertError(lambda: self.sqs.create_queue(QueueName="nofifosuffix", Attributes={"FifoQueue": "true"}),
                         "InvalidParameterValue", fifo_rule)

    def test_attribute_validation(self):
        for name, value in (("VisibilityTimeout", "43201"), ("DelaySeconds", "901"), ("MessageRetentionPeriod", "59"),
                            ("MaximumMessageSize", "1048577"), ("ReceiveMessageWaitTimeSeconds", "21"), ("VisibilityTimeout", "x")):
            self.assertError(lambda: self.sqs.create_queue(QueueName=self.name(), Attributes={name: value}),
                             "InvalidAttributeValue", "Invalid value for the parameter %s." % name,
                             query_code="InvalidAttributeValue;Sender")
        self.assertError(lambda: self.sqs.create_queue(QueueName=self.name(), Attributes={"ContentBasedDeduplication": "true"}),
                         "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.")
        url = self.create()
        self.assertError(lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "-1"}),
                         "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.")

    def test_get_and_set_attributes(self):
        url = self.create()
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        name = url.rsplit("/", 1)[1]
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:" + name)
        self.assertEqual(attrs["VisibilityTimeout"], "30")
        self.assertEqual(attrs["MaximumMessageSize"], "1048576")
        self.assertEqual(attrs["MessageRetentionPeriod"], "345600")
        self.assertEqual(attrs["DelaySeconds"], "0")
        self.assertEqual(attrs["ReceiveMessageWaitTimeSeconds"], "0")
        self.assertEqual(attrs["SqsManagedSseEnabled"], "true")
        for counter in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"):
            self.assertEqual(attrs[counter], "0")
        self.assertLess(abs(int(attrs["CreatedTimestamp"]) - time.time()), 60)
        self.assertNotIn("FifoQueue", attrs)
        only = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        self.assertEqual(list(only), ["QueueArn"])
        self.assertNotIn("Attributes", self.sqs.get_queue_attributes(QueueUrl=url))
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5", "DelaySeconds": "2"})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds"])["Attributes"]
        self.assertEqual(attrs, {"VisibilityTimeout": "5", "DelaySeconds": "2"})

    def test_counters(self):
        url = self.create()
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "2")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "1")
        self.assertEqual(attrs["ApproximateNumberOfMessagesDelayed"], "1")

    def test_list_queues_pagination(self):
        prefix = self.name()
        urls = [self.sqs.create_queue(QueueName="%s-%d" % (prefix, i))["QueueUrl"] for i in range(5)]
        page = self.sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
        self.assertEqual(page["QueueUrls"], urls[:2])
        seen = list(page["QueueUrls"])
        while "NextToken" in page:
            page = self.sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=page["NextToken"])
            seen += page["QueueUrls"]
        self.assertEqual(seen, urls)
        self.assertError(lambda: self.sqs.list_queues(MaxResults=0), "InvalidParameterValue",
                         "Value 0 for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")

    def test_tags(self):
        url = self.sqs.create_queue(QueueName=self.name(), tags={"team": "a"})["QueueUrl"]
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "b"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "b", "env": "test"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team", "env"])
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))

    def test_purge(self):
        url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.sqs.purge_queue(QueueUrl=url)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        name = url.rsplit("/", 1)[1]
        self.assertError(lambda: self.sqs.purge_queue(QueueUrl=url), "AWS.SimpleQueueService.PurgeQueueInProgress",
                         "Only one PurgeQueue operation on %s is allowed every 60 seconds." % name, status=403,
                         query_code="AWS.SimpleQueueService.PurgeQueueInProgress;Sender")

    def test_queue_url_forms(self):
        url = self.create()
        account_and_name = url.split("/", 3)[3]
        port = self.server.port
        for form in ("http://localhost:%d/%s" % (port, account_and_name),
                     "http://sqs.us-east-1.localhost.localstack.cloud:%d/%s" % (port, account_and_name),
                     "https://sqs.us-east-1.amazonaws.com/%s" % account_and_name,
                     "https://queue.amazonaws.com/%s" % account_and_name):
            self.sqs.send_message(QueueUrl=form, MessageBody=form)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "4")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url + "-missing", MessageBody="x"),
                         "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")

    def test_url_uses_the_host_the_client_used(self):
        client = sqs_client("http://localhost:%d" % self.server.port)
        name = self.name()
        self.assertEqual(client.create_queue(QueueName=name)["QueueUrl"], "http://localhost:%d/000000000000/%s" % (self.server.port, name))

    def test_accounts_are_separate(self):
        other = sqs_client(self.server.url, key="111122223333")
        name = self.name()
        url = other.create_queue(QueueName=name)["QueueUrl"]
        self.assertEqual(url, "%s/111122223333/%s" % (self.server.url, name))
        self.assertError(lambda: self.sqs.get_queue_url(QueueName=name), "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="111122223333")["QueueUrl"], url)


class MessageTest(SqsTestBase):
    def test_send_receive_delete_with_exact_md5s(self):
        url = self.create()
        attributes = {
            "s": {"DataType": "String", "StringValue": "héllo"},
            "n": {"DataType": "Number", "StringValue": "42.5"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
            "c": {"DataType": "String.custom", "StringValue": "x"},
        }
        body = "body ünïcode 🚀"
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5(body.encode()).hexdigest())
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(attributes))
        self.assertNotIn("SequenceNumber", sent)
        got = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MD5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(m["MessageAttributes"], {k: dict(v) for k, v in attributes.items()})
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertEqual(m["Attributes"]["SenderId"], "000000000000")
        self.assertLess(abs(int(m["Attributes"]["SentTimestamp"]) / 1000 - time.time()), 60)
        self.assertGreaterEqual(int(m["Attributes"]["ApproximateFirstReceiveTimestamp"]), int(m["Attributes"]["SentTimestamp"]))
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0))

    def test_attribute_selection(self):
        url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "app.one": {"DataType": "String", "StringValue": "1"},
            "app.two": {"DataType": "String", "StringValue": "2"},
            "other": {"DataType": "String", "StringValue": "3"}})
        m = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["app.*"], AttributeNames=["SentTimestamp"],
                                     VisibilityTimeout=0)["Messages"][0]
        self.assertEqual(sorted(m["MessageAttributes"]), ["app.one", "app.two"])
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(m["MessageAttributes"]))
        self.assertEqual(list(m["Attributes"]), ["SentTimestamp"])
        m = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["other"], VisibilityTimeout=0)["Messages"][0]
        self.assertEqual(list(m["MessageAttributes"]), ["other"])
        self.assertNotIn("Attributes", m)
        m = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotIn("MessageAttributes", m)
        self.assertNotIn("MD5OfMessageAttributes", m)

    def test_visibility_timeout_and_receive_count(self):
        url = self.create(VisibilityTimeout=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        first = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        time.sleep(1.2)
        second = self.sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        self.assertEqual(second["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertNotEqual(first["ReceiptHandle"], second["ReceiptHandle"])
        # The stale handle does not delete; the latest does.
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
        third = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
        self.assertEqual(third["Attributes"]["ApproximateReceiveCount"], "3")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
        self.assertError(lambda: self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"], VisibilityTimeout=5),
                         "AWS.SimpleQueueService.MessageNotInflight",
                         "Message does not exist or is not available for visibility timeout change.")

    def test_receipt_handle_is_invalid(self):
        url = self.create()
        self.assertError(lambda: self.sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"), "ReceiptHandleIsInvalid",
                         'The input receipt handle "garbage" is not a valid receipt handle.', status=404,
                         query_code="ReceiptHandleIsInvalid;Sender")

    def test_delay(self):
        url = self.create(DelaySeconds=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="queue delay")
        self.sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["no delay"])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=3)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["queue delay"])
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901), "InvalidParameterValue",
                         "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")

    def test_retention_expiry(self):
        url = self.create(MessageRetentionPeriod=60)
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "1")

    def test_message_size_limit_is_one_mib(self):
        url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="x" * 1048576)
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x" * 1048577), "InvalidParameterValue",
                         "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.")
        small = self.create(MaximumMessageSize=1024)
        self.assertError(lambda: self.sqs.send_message(QueueUrl=small, MessageBody="x" * 1025), "InvalidParameterValue",
                         "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.")
        got = self.sqs.receive_message(QueueUrl=url)["Messages"][0]
        self.assertEqual(len(got["Body"]), 1048576)

    def test_invalid_body_characters(self):
        url = self.create()
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="a\x00b"), "InvalidMessageContents",
                         "Invalid binary character '#x0' was found in the message body, the set of allowed characters is "
                         "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")

    def test_receive_parameter_ranges(self):
        url = self.create()
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11), "InvalidParameterValue",
                         "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21), "InvalidParameterValue",
                         "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")

    def test_batches(self):
        url = self.create()
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 1000},
            {"Id": "c", "MessageBody": "three", "MessageAttributes": {"k": {"DataType": "Number", "StringValue": "7"}}}])
        self.assertEqual(sorted(e["Id"] for e in r["Successful"]), ["a", "c"])
        self.assertEqual(r["Failed"], [{"Id": "b", "SenderFault": True, "Code": "InvalidParameterValue",
                                        "Message": "Value 1000 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."}])
        c = [e for e in r["Successful"] if e["Id"] == "c"][0]
        self.assertEqual(c["MD5OfMessageBody"], hashlib.md5(b"three").hexdigest())
        self.assertEqual(c["MD5OfMessageAttributes"], md5_of_attributes({"k": {"DataType": "Number", "StringValue": "7"}}))
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]),
                         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11.",
                         query_code="AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender")
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}]),
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id x repeated.")
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "bad id", "MessageBody": "1"}]),
                         "AWS.SimpleQueueService.InvalidBatchEntryId",
                         "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x" * 600000}, {"Id": "b", "MessageBody": "x" * 600000}]),
                         "AWS.SimpleQueueService.BatchRequestTooLong",
                         "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.")
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), ["one", "three"])
        changed = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 100},
            {"Id": "y", "ReceiptHandle": "bogus", "VisibilityTimeout": 100}])
        self.assertEqual([e["Id"] for e in changed["Successful"]], ["x"])
        self.assertEqual(changed["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        deleted = self.sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        self.assertEqual(len(deleted["Successful"]), 2)
        self.assertNotIn("Failed", {k: v for k, v in deleted.items() if v})
        self.assertError(lambda: self.sqs.delete_message_batch(QueueUrl=url, Entries=[]),
                         "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one DeleteMessageBatchRequestEntry in the request.")

    def test_long_poll_returns_as_soon_as_a_message_arrives(self):
        url = self.create()
        started = time.time()
        timer = threading.Timer(0.5, lambda: sqs_client(self.server.url).send_message(QueueUrl=url, MessageBody="wake"))
        timer.start()
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
        elapsed = time.time() - started
        self.assertEqual(got[0]["Body"], "wake")
        self.assertLess(elapsed, 2.0)
        self.assertGreaterEqual(elapsed, 0.4)

    def test_long_poll_waits_the_full_time_when_empty(self):
        url = self.create(ReceiveMessageWaitTimeSeconds=1)
        started = time.time()
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.assertGreaterEqual(time.time() - started, 0.95)

    def test_trace_header_system_attribute(self):
        url = self.create()
        r = self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageSystemAttributes={
            "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}})
        self.assertEqual(r["MD5OfMessageSystemAttributes"], md5_of_attributes({"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}}))
        m = self.sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
        self.assertEqual(m["Attributes"], {"AWSTraceHeader": "Root=1-abc"})


class FifoTest(SqsTestBase):
    def test_fifo_attributes_and_rules(self):
        url = self.create(".fifo", FifoQueue="true")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["FifoQueue"], "true")
        self.assertEqual(attrs["ContentBasedDeduplication"], "false")
        self.assertEqual(attrs["DeduplicationScope"], "queue")
        self.assertEqual(attrs["FifoThroughputLimit"], "perQueue")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d"),
                         "MissingParameter", "The request must contain the parameter MessageGroupId.")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g"), "InvalidParameterValue",
                         "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=5),
                         "InvalidParameterValue",
                         "Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.")

    def test_order_per_group_and_one_inflight_group(self):
        url = self.create(".fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(4):
            self.sqs.send_message(QueueUrl=url, MessageBody="a%d" % i, MessageGroupId="A")
            self.sqs.send_message(QueueUrl=url, MessageBody="b%d" % i, MessageGroupId="B")
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["All"])["Messages"]
        self.assertEqual([m["Body"] for m in first], ["a0", "a1", "a2"])
        seqs = [int(m["Attributes"]["SequenceNumber"]) for m in first]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(first[0]["Attributes"]["MessageGroupId"], "A")
        # Group A is in flight: only B can be received, in order.
        second = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in second], ["b0", "b1", "b2", "b3"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
        for m in first:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        third = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in third], ["a3"])

    def test_deduplication(self):
        url = self.create(".fifo", FifoQueue="true", ContentBasedDeduplication="true")
        one = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        two = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
        self.assertEqual(one["MessageId"], two["MessageId"])
        self.assertEqual(one["SequenceNumber"], two["SequenceNumber"])
        self.assertEqual(len(one["SequenceNumber"]), 20)
        three = self.sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g", MessageDeduplicationId="explicit")
        self.assertNotEqual(three["MessageId"], one["MessageId"])
        self.assertGreater(int(three["SequenceNumber"]), int(one["SequenceNumber"]))
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])["Messages"]
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]["Attributes"]["MessageDeduplicationId"], hashlib.sha256(b"same").hexdigest())
        self.assertEqual(got[1]["Attributes"]["MessageDeduplicationId"], "explicit")

    def test_receive_request_attempt_id_returns_the_same_messages(self):
        url = self.create(".fifo", FifoQueue="true", ContentBasedDeduplication="true")
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i, MessageGroupId="g")
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
        retry = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
        self.assertEqual([m["ReceiptHandle"] for m in first], [m["ReceiptHandle"] for m in retry])
        self.assertEqual([m["Body"] for m in retry], ["m0", "m1"])


class DeadLetterTest(SqsTestBase):
    def test_redrive_to_dlq_after_max_receive_count(self):
        dlq = self.create()
        dlq_arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
        src = self.create(VisibilityTimeout=0, RedrivePolicy=policy)
        self.assertEqual(json.loads(self.sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]),
                         {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")
        for _ in range(2):
            self.assertEqual(self.sqs.receive_message(QueueUrl=src)["Messages"][0]["MessageId"], sent["MessageId"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        moved = self.sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
        self.assertEqual(moved["MessageId"], sent["MessageId"])
        self.assertEqual(moved["Body"], "poison")
        self.assertEqual(moved["Attributes"]["DeadLetterQueueSourceArn"], dlq_arn.rsplit(":", 1)[0] + ":" + src.rsplit("/", 1)[1])
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])

    def test_redrive_policy_validation_and_allow_policy(self):
        self.assertError(lambda: self.create(RedrivePolicy=json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:nope", "maxReceiveCount": 1})),
                         "InvalidParameterValue")
        dlq = self.create(RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
        arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        response = self.assertError(lambda: self.create(RedrivePolicy=json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})),
                                    "InvalidParameterValue")
        self.assertIn("does not allow this queue to use it as a dead-letter queue", response["Error"]["Message"])
        fifo_dlq = self.create(".fifo", FifoQueue="true")
        fifo_arn = self.sqs.get_queue_attributes(QueueUrl=fifo_dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        response = self.assertError(lambda: self.create(RedrivePolicy=json.dumps({"deadLetterTargetArn": fifo_arn, "maxReceiveCount": 1})),
                                    "InvalidParameterValue")
        self.assertIn("Dead-letter queue must be same type of queue as the source.", response["Error"]["Message"])


class QueryProtocolTest(SqsTestBase):
    def test_queue_and_message_round_trip_over_query(self):
        q = self.query
        name = self.name()
        url = q.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "40"}, tags={"k": "v"})["QueueUrl"]
        self.assertEqual(url, "%s/000000000000/%s" % (self.server.url, name))
        self.assertEqual(q.get_queue_url(QueueName=name)["QueueUrl"], url)
        self.assertIn(url, q.list_queues(QueueNamePrefix=name)["QueueUrls"])
        attrs = q.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "40")
        self.assertEqual(q.list_queue_tags(QueueUrl=url)["Tags"], {"k": "v"})
        attributes = {"a": {"DataType": "String", "StringValue": "x"}, "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}}
        sent = q.send_message(QueueUrl=url, MessageBody="hello <xml> & co", MessageAttributes=attributes)
        self.assertEqual(sent["MD5OfMessageAttributes"], md5_of_attributes(attributes))
        batch = q.send_message_batch(QueueUrl=url, Entries=[{"Id": "one", "MessageBody": "b1"}, {"Id": "two", "MessageBody": "b2"}])
        self.assertEqual(sorted(e["Id"] for e in batch["Successful"]), ["one", "two"])
        got = q.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), ["b1", "b2", "hello <xml> & co"])
        first = [m for m in got if m["MessageId"] == sent["MessageId"]][0]
        self.assertEqual(first["MessageAttributes"], attributes)
        self.assertEqual(first["Attributes"]["ApproximateReceiveCount"], "1")
        deleted = q.delete_message_batch(QueueUrl=url, Entries=[{"Id": "e%d" % i, "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        self.assertEqual(len(deleted["Successful"]), 3)
        q.delete_queue(QueueUrl=url)

    def test_query_errors_use_legacy_codes(self):
        with self.assertRaises(ClientError) as cm:
            self.query.get_queue_url(QueueName="does-not-exist")
        self.assertEqual(cm.exception.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(cm.exception.response["Error"]["Type"], "Sender")
        self.assertEqual(cm.exception.response["Error"]["Message"], "The specified queue does not exist.")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_raw_query_xml(self):
        url = self.create()
        body = "Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=hi" % urllib.request.quote(url, safe="")
        xml = signed_post(url, body)
        self.assertIn('<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult>', xml)
        self.assertIn("<MD5OfMessageBody>%s</MD5OfMessageBody>" % hashlib.md5(b"hi").hexdigest(), xml)
        body = "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=%s&AttributeName.1=SentTimestamp" % urllib.request.quote(url, safe="")
        xml = signed_post(url, body)
        # Elements come in the model's (AWS's) order: MessageId, ReceiptHandle, MD5OfBody, Body, Attribute.
        self.assertRegex(xml, r"<ReceiveMessageResult><Message><MessageId>[^<]+</MessageId><ReceiptHandle>[^<]+</ReceiptHandle>"
                              r"<MD5OfBody>49f68a5c8493ec2c0bf489821c21fc3b</MD5OfBody><Body>hi</Body>")
        self.assertIn("<MessageId>", xml)
        self.assertIn("<Attribute><Name>SentTimestamp</Name><Value>", xml)
        error = signed_post(url + "-nope", "Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=%s&AttributeName.1=All"
                            % urllib.request.quote(url + "-nope", safe=""), expect_status=400)
        self.assertIn('<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>'
                      '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message>', error)


class CliTest(SqsTestBase):
    def aws(self, *args, expect_rc=0):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "--endpoint-url", self.server.url, "--output", "json", "sqs"] + list(args),
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, expect_rc, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else p.stderr

    def test_cli_round_trip(self):
        name = self.name()
        url = self.aws("create-queue", "--queue-name", name, "--attributes", "DelaySeconds=0")["QueueUrl"]
        self.assertEqual(url, "%s/000000000000/%s" % (self.server.url, name))
        sent = self.aws("send-message", "--queue-url", url, "--message-body", "from the cli")
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5(b"from the cli").hexdigest())
        got = self.aws("receive-message", "--queue-url", url, "--attribute-names", "All")["Messages"][0]
        self.assertEqual(got["Body"], "from the cli")
        self.assertEqual(got["Attributes"]["ApproximateReceiveCount"], "1")
        self.aws("delete-message", "--queue-url", url, "--receipt-handle", got["ReceiptHandle"])
        attrs = self.aws("get-queue-attributes", "--queue-url", url, "--attribute-names", "ApproximateNumberOfMessages")
        self.assertEqual(attrs["Attributes"]["ApproximateNumberOfMessages"], "0")
        err = self.aws("get-queue-url", "--queue-name", name + "-missing", expect_rc=255)  # CLI v1 exits 255 on service errors
        self.assertIn("An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: "
                      "The specified queue does not exist.", err)


class ConcurrencyTest(SqsTestBase):
    def test_64_consumers_receive_every_message_exactly_once(self):
        url = self.create(VisibilityTimeout=120)
        total = 1000
        for start in range(0, total, 10):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)])
        received = []
        lock = threading.Lock()
        errors = []

        def consume():
            client = sqs_client(self.server.url)
            try:
                while True:
                    r = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                    messages = r.get("Messages", [])
                    if not messages:
                        return
                    with lock:
                        received.extend(m["Body"] for m in messages)
                    client.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=consume) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(received), total, "every message delivered exactly once")
        self.assertEqual(sorted(map(int, received)), list(range(total)))
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual((attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]), ("0", "0"))

    def test_fifo_order_per_group_under_concurrency(self):
        url = self.create(".fifo", FifoQueue="true", ContentBasedDeduplication="true")
        groups, per_group = 8, 25
        for i in range(per_group):
            for g in range(groups):
                self.sqs.send_message(QueueUrl=url, MessageBody="%d:%d" % (g, i), MessageGroupId=str(g))
        seen = {g: [] for g in range(groups)}
        lock = threading.Lock()

        def consume():
            client = sqs_client(self.server.url)
            while True:
                messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
                if not messages:
                    return
                with lock:
                    for m in messages:
                        g, i = map(int, m["Body"].split(":"))
                        seen[g].append(i)
                for m in messages:
                    client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

        threads = [threading.Thread(target=consume) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for g in range(groups):
            self.assertEqual(seen[g], list(range(per_group)), "group %d in order, each once" % g)


class DurabilityTest(unittest.TestCase):
    def test_acknowledged_messages_survive_sigkill(self):
        data = tempfile.mkdtemp(prefix="gureum-sqs-")
        try:
            server = Server(data_dir=data)
            client = sqs_client(server.url)
            url = client.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
            sent = [client.send_message(QueueUrl=url, MessageBody="m%d" % i)["MessageId"] for i in range(20)]
            fifo = client.create_queue(QueueName="durable.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
            first = client.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g")
            received = client.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
            client.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
            server.kill9()

            server = Server(data_dir=data)
            try:
                client = sqs_client(server.url)
                url = client.get_queue_url(QueueName="durable")["QueueUrl"]
                got = []
                while True:
                    messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
                    if not messages:
                        break
                    got += messages
                    client.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
                self.assertEqual(sorted(m["MessageId"] for m in got), sorted(set(sent) - {received["MessageId"]}))
                fifo = client.get_queue_url(QueueName="durable.fifo")["QueueUrl"]
                again = client.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g")
                self.assertEqual(again["MessageId"], first["MessageId"], "the dedup window survives a restart")
                self.assertEqual(client.receive_message(QueueUrl=fifo)["Messages"][0]["Body"], "f")
            finally:
                server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
