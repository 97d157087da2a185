"""SNS through boto3 and the AWS CLI: topics, attributes, tags, subscriptions, Publish/PublishBatch, fan-out to SQS
with AWS's signed envelope (verified against the certificate Gureum serves), raw delivery, filter policies, FIFO
topics to FIFO queues, HTTP subscriptions with the confirmation handshake, captured messages, and durability."""
import base64
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import boto3
import botocore.config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})


def clients(url, key="test"):
    kw = dict(endpoint_url=url, region_name="us-east-1", config=CONFIG, aws_access_key_id=key, aws_secret_access_key="test")
    return boto3.client("sns", **kw), boto3.client("sqs", **kw)


def error(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error")


def string_to_sign(m):
    if m["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join("%s\n%s\n" % (k, m[k]) for k in keys if k in m).encode()


def verify(m):
    """Verifies an SNS message's signature with the certificate at SigningCertURL, as AWS's SDK validators do."""
    with urllib.request.urlopen(m["SigningCertURL"]) as r:
        cert = x509.load_pem_x509_certificate(r.read())
    algorithm = hashes.SHA1() if m["SignatureVersion"] == "1" else hashes.SHA256()
    cert.public_key().verify(base64.b64decode(m["Signature"]), string_to_sign(m), padding.PKCS1v15(), algorithm)


def receive_all(sqs, url, expected, wait=2):
    out = []
    deadline = time.time() + 10
    while len(out) < expected and time.time() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, MessageAttributeNames=["All"],
                                AttributeNames=["All"])
        for m in r.get("Messages", []):
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


class SnsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.sns, cls.sqs = clients(cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def queue(self, name, fifo=False):
        attrs = {"FifoQueue": "true"} if fifo else {}
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    # ------------------------------------------------------------ topics

    def test_create_topic_idempotent_and_attributes(self):
        arn = self.sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:us-east-1:000000000000:orders")
        self.assertEqual(self.sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"], arn)
        self.assertEqual(error(self.sns.create_topic, Name="orders", Attributes={"DisplayName": "Other"}),
                         ("InvalidParameter", "Invalid parameter: Attributes Reason: Topic already exists with different attributes", 400))
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(a["TopicArn"], arn)
        self.assertEqual(a["Owner"], "000000000000")
        self.assertEqual(a["DisplayName"], "Orders")
        self.assertEqual(a["SubscriptionsConfirmed"], "0")
        self.assertEqual(a["SubscriptionsPending"], "0")
        self.assertEqual(a["SubscriptionsDeleted"], "0")
        policy = json.loads(a["Policy"])
        self.assertEqual(policy["Id"], "__default_policy_ID")
        self.assertEqual(policy["Statement"][0]["Condition"], {"StringEquals": {"AWS:SourceOwner": "000000000000"}})
        self.assertIn("SNS:Publish", policy["Statement"][0]["Action"])
        self.assertEqual(json.loads(a["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"], 3)
        self.assertNotIn("FifoTopic", a)
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="New")
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"], "New")
        self.assertEqual(error(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="x"),
                         ("InvalidParameter", "Invalid parameter: AttributeName", 400))

    def test_topic_errors(self):
        self.assertEqual(error(self.sns.create_topic, Name="bad name"), ("InvalidParameter", "Invalid parameter: Topic Name", 400))
        self.assertEqual(error(self.sns.create_topic, Name="x" * 257), ("InvalidParameter", "Invalid parameter: Topic Name", 400))
        self.assertEqual(error(self.sns.create_topic, Name="plain.fifo"), ("InvalidParameter", "Invalid parameter: Topic Name", 400))
        code, message, status = error(self.sns.create_topic, Name="nofifo", Attributes={"FifoTopic": "true"})
        self.assertTrue(message.startswith("Invalid parameter: Fifo Topic names must end with .fifo"), message)
        missing = "arn:aws:sns:us-east-1:000000000000:missing"
        self.assertEqual(error(self.sns.get_topic_attributes, TopicArn=missing), ("NotFound", "Topic does not exist", 404))
        self.assertEqual(error(self.sns.publish, TopicArn=missing, Message="x"), ("NotFound", "Topic does not exist", 404))
        self.assertEqual(error(self.sns.get_topic_attributes, TopicArn="nonsense"),
                         ("InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1", 400))
        std = self.sns.create_topic(Name="std-cbd")["TopicArn"]
        self.assertEqual(error(self.sns.set_topic_attributes, TopicArn=std, AttributeName="ContentBasedDeduplication", AttributeValue="true"),
                         ("InvalidParameter", "Invalid parameter: ContentBasedDeduplication Reason: Content based deduplication can only be set for FIFO topics", 400))

    def test_fifo_topic_attributes(self):
        arn = self.sns.create_topic(Name="t1.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((a["FifoTopic"], a["ContentBasedDeduplication"]), ("true", "true"))
        arn2 = self.sns.create_topic(Name="t2.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn2)["Attributes"]["ContentBasedDeduplication"], "false")

    def test_list_topics_pagination_and_delete(self):
        sns, _ = clients(self.server.url, key="111111111111")
        arns = [sns.create_topic(Name="page-%03d" % i)["TopicArn"] for i in range(105)]
        first = sns.list_topics()
        self.assertEqual(len(first["Topics"]), 100)
        second = sns.list_topics(NextToken=first["NextToken"])
        self.assertEqual(len(second["Topics"]), 5)
        self.assertNotIn("NextToken", second)
        self.assertEqual(sorted(t["TopicArn"] for t in first["Topics"] + second["Topics"]), sorted(arns))
        sns.delete_topic(TopicArn=arns[0])
        sns.delete_topic(TopicArn=arns[0])  # idempotent
        self.assertEqual(len(sns.list_topics(NextToken=first["NextToken"])["Topics"]), 5)
        self.assertEqual(error(sns.get_topic_attributes, TopicArn=arns[0])[0], "NotFound")

    def test_tags(self):
        arn = self.sns.create_topic(Name="tagged", Tags=[{"Key": "a", "Value": "1"}])["TopicArn"]
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["a"])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "b", "Value": "2"}])
        too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(50)]
        self.assertEqual(error(self.sns.tag_resource, ResourceArn=arn, Tags=too_many),
                         ("TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded", 400))
        self.assertEqual(error(self.sns.list_tags_for_resource, ResourceArn="arn:aws:sns:us-east-1:000000000000:nope"),
                         ("ResourceNotFound", "Resource does not exist", 404))
        self.assertEqual(error(self.sns.create_topic, Name="tagged", Tags=[{"Key": "z", "Value": "9"}]),
                         ("InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags", 400))

    def test_cross_account_authorization(self):
        arn = self.sns.create_topic(Name="private")["TopicArn"]
        other, _ = clients(self.server.url, key="222222222222")
        code, message, status = error(other.publish, TopicArn=arn, Message="hi")
        self.assertEqual((code, status), ("AuthorizationError", 403))
        self.assertEqual(message, "User: arn:aws:iam::222222222222:root is not authorized to perform: SNS:Publish on resource: " + arn)
        self.sns.add_permission(TopicArn=arn, Label="let-222", AWSAccountId=["222222222222"], ActionName=["Publish"])
        self.assertIn("MessageId", other.publish(TopicArn=arn, Message="hi"))
        self.sns.remove_permission(TopicArn=arn, Label="let-222")
        self.assertEqual(error(other.publish, TopicArn=arn, Message="hi")[0], "AuthorizationError")

    # ------------------------------------------------------------ subscriptions

    def test_subscriptions(self):
        arn = self.sns.create_topic(Name="subs")["TopicArn"]
        _, qarn = self.queue("subs-q")
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"))
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"], sub)
        pending = self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"]
        self.assertEqual(pending, "pending confirmation")
        listed = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual(sorted(s["SubscriptionArn"] for s in listed), sorted([sub, "PendingConfirmation"]))
        a = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((a["SubscriptionsConfirmed"], a["SubscriptionsPending"]), ("1", "1"))
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(attrs["PendingConfirmation"], "false")
        self.assertEqual(attrs["RawMessageDelivery"], "false")
        self.assertEqual(attrs["Endpoint"], qarn)
        self.assertNotIn("FilterPolicyScope", attrs)
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true")
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue='{"a": ["b"]}')
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual((attrs["RawMessageDelivery"], attrs["FilterPolicyScope"]), ("true", "MessageAttributes"))
        self.assertEqual(error(self.sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="Nope", AttributeValue="x"),
                         ("InvalidParameter", "Invalid parameter: AttributeName", 400))
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "false"}),
                         ("InvalidParameter", "Invalid parameter: Attributes Reason: Subscription already exists with different attributes", 400))
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x"),
                         ("InvalidParameter", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon", 400))
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="http", Endpoint="ftp://x"),
                         ("InvalidParameter", "Invalid parameter: Endpoint must match the specified protocol", 400))
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint="not-an-arn"),
                         ("InvalidParameter", "Invalid parameter: SQS endpoint ARN", 400))
        _, fifo_q = self.queue("subs-f.fifo", fifo=True)
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=fifo_q)[1],
                         "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
        self.assertEqual(error(self.sns.subscribe, TopicArn=arn, Protocol="email", Endpoint="x@y.z",
                               Attributes={"RawMessageDelivery": "true"})[1],
                         "Invalid parameter: Attributes Reason: Delivery protocol [email] does not support raw message delivery.")
        r = self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="b@example.com", ReturnSubscriptionArn=True)
        self.assertTrue(r["SubscriptionArn"].startswith(arn + ":"))
        self.sns.unsubscribe(SubscriptionArn=sub)
        self.assertEqual(error(self.sns.get_subscription_attributes, SubscriptionArn=sub), ("NotFound", "Subscription does not exist", 404))
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsDeleted"], "1")

    def test_list_subscriptions_pagination(self):
        sns, _ = clients(self.server.url, key="333333333333")
        arn = sns.create_topic(Name="many")["TopicArn"]
        for i in range(120):
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:333333333333:q%d" % i)
        page = sns.list_subscriptions_by_topic(TopicArn=arn)
        self.assertEqual(len(page["Subscriptions"]), 100)
        rest = sns.list_subscriptions_by_topic(TopicArn=arn, NextToken=page["NextToken"])
        self.assertEqual(len(rest["Subscriptions"]), 20)
        self.assertNotIn("NextToken", rest)
        all_subs = sns.list_subscriptions()
        self.assertEqual(len(all_subs["Subscriptions"]), 100)
        self.assertEqual(len(sns.list_subscriptions(NextToken=all_subs["NextToken"])["Subscriptions"]), 20)

    # ------------------------------------------------------------ publish and fan-out

    def test_fan_out_envelope_and_signature(self):
        arn = self.sns.create_topic(Name="fan")["TopicArn"]
        queues = [self.queue("fan-%d" % i) for i in range(3)]
        subs = [self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=q[1])["SubscriptionArn"] for q in queues]
        r = self.sns.publish(TopicArn=arn, Message="hello world", Subject="Greeting",
                             MessageAttributes={"color": {"DataType": "String", "StringValue": "red"},
                                                "n": {"DataType": "Number", "StringValue": "42"},
                                                "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
        for (url, _), sub in zip(queues, subs):
            [m] = receive_all(self.sqs, url, 1)
            body = json.loads(m["Body"])
            self.assertEqual(list(body.keys()), ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion",
                                                 "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"])
            self.assertEqual(body["Type"], "Notification")
            self.assertEqual(body["MessageId"], r["MessageId"])
            self.assertEqual(body["TopicArn"], arn)
            self.assertEqual(body["Subject"], "Greeting")
            self.assertEqual(body["Message"], "hello world")
            self.assertRegex(body["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(body["SignatureVersion"], "1")
            self.assertEqual(body["MessageAttributes"], {"b": {"Type": "Binary", "Value": "AAE="}, "color": {"Type": "String", "Value": "red"},
                                                         "n": {"Type": "Number", "Value": "42"}})
            self.assertIn(urllib.request.quote(sub, safe=""), body["UnsubscribeURL"])
            verify(body)
            body["Message"] = "tampered"
            with self.assertRaises(Exception):
                verify(body)
        # SignatureVersion 2 = SHA256
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
        self.sns.publish(TopicArn=arn, Message="v2")
        [m] = receive_all(self.sqs, queues[0][0], 1)
        body = json.loads(m["Body"])
        self.assertEqual(body["SignatureVersion"], "2")
        self.assertNotIn("Subject", body)
        verify(body)
        # the UnsubscribeURL works
        with urllib.request.urlopen(body["UnsubscribeURL"]) as resp:
            self.assertIn(b"<UnsubscribeResponse", resp.read())
        self.assertEqual(error(self.sns.get_subscription_attributes, SubscriptionArn=subs[0])[0], "NotFound")

    def test_raw_delivery_and_message_structure(self):
        arn = self.sns.create_topic(Name="raw")["TopicArn"]
        url, qarn = self.queue("raw-q")
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.sns.publish(TopicArn=arn, Message=json.dumps({"default": "dflt", "sqs": "for sqs"}), MessageStructure="json",
                         MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
        [m] = receive_all(self.sqs, url, 1)
        self.assertEqual(m["Body"], "for sqs")
        self.assertEqual(m["MessageAttributes"], {"k": {"StringValue": "v", "DataType": "String"}})
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message='{"x": "y"}', MessageStructure="json"),
                         ("InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="not json", MessageStructure="json"),
                         ("InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse", 400))

    def test_publish_validation(self):
        arn = self.sns.create_topic(Name="val")["TopicArn"]
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message=""), ("InvalidParameter", "Invalid parameter: Empty message", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="x" * 262145), ("InvalidParameter", "Invalid parameter: Message too long", 400))
        self.assertIn("MessageId", self.sns.publish(TopicArn=arn, Message="x" * 262144))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", Subject="line\nbreak"), ("InvalidParameter", "Invalid parameter: Subject", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", Subject="s" * 100), ("InvalidParameter", "Invalid parameter: Subject", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", MessageAttributes={"a": {"DataType": "Number", "StringValue": "abc"}}),
                         ("ParameterValueInvalid", "Could not cast message attribute 'a' value to number.", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", MessageAttributes={"a": {"DataType": "Foo", "StringValue": "abc"}})[1],
                         "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.")
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", MessageDeduplicationId="d")[1],
                         "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")

    def test_publish_batch(self):
        arn = self.sns.create_topic(Name="batch")["TopicArn"]
        url, qarn = self.queue("batch-q")
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        r = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two"},
                                                                            {"Id": "c", "Message": ""}])
        self.assertEqual(sorted(s["Id"] for s in r["Successful"]), ["a", "b"])
        self.assertEqual(r["Failed"], [{"Id": "c", "Code": "InvalidParameter", "Message": "Invalid parameter: Empty message", "SenderFault": True}])
        self.assertEqual(sorted(m["Body"] for m in receive_all(self.sqs, url, 2)), ["one", "two"])
        self.assertEqual(error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[{"Id": "a", "Message": "x"}] * 2),
                         ("BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.", 400))
        self.assertEqual(error(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[{"Id": str(i), "Message": "x"} for i in range(11)]),
                         ("TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.", 400))

    def test_fifo_topic_to_fifo_queue_order_and_dedup(self):
        arn = self.sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
        url, qarn = self.queue("orders-q.fifo", fifo=True)
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m"),
                         ("InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics", 400))
        self.assertEqual(error(self.sns.publish, TopicArn=arn, Message="m", MessageGroupId="g")[1],
                         "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
        seqs = []
        for i in range(20):
            r = self.sns.publish(TopicArn=arn, Message="m%d" % i, MessageGroupId="g", MessageDeduplicationId="d%d" % i)
            seqs.append(int(r["SequenceNumber"]))
            self.assertEqual(len(r["SequenceNumber"]), 20)
        self.assertEqual(seqs, sorted(seqs))
        dup = self.sns.publish(TopicArn=arn, Message="again", MessageGroupId="g", MessageDeduplicationId="d0")
        self.assertEqual(int(dup["SequenceNumber"]), seqs[0])
        got = receive_all(self.sqs, url, 20)
        self.assertEqual([m["Body"] for m in got], ["m%d" % i for i in range(20)])
        self.assertEqual({m["Attributes"]["MessageGroupId"] for m in got}, {"g"})
        self.assertEqual([m["Attributes"]["MessageDeduplicationId"] for m in got], ["d%d" % i for i in range(20)])
        self.assertEqual(receive_all(self.sqs, url, 1, wait=1), [])

    # ------------------------------------------------------------ filter policies

    def test_filter_policy_matrix(self):
        arn = self.sns.create_topic(Name="filtered")["TopicArn"]
        cases = {
            "exact": {"color": ["red"]},
            "prefix": {"color": [{"prefix": "bl"}]},
            "suffix": {"color": [{"suffix": "en"}]},
            "ignorecase": {"color": [{"equals-ignore-case": "RED"}]},
            "anything": {"color": [{"anything-but": ["red", "blue"]}]},
            "anythingprefix": {"color": [{"anything-but": {"prefix": "r"}}]},
            "numeric": {"price": [{"numeric": [">", 10, "<=", 20]}]},
            "exists": {"price": [{"exists": True}]},
            "notexists": {"price": [{"exists": False}]},
            "cidr": {"ip": [{"cidr": "10.0.0.0/24"}]},
            "or": {"$or": [{"color": ["green"]}, {"price": [{"numeric": ["=", 5]}]}]},
            "array": {"tags": ["b"]},
        }
        queues = {}
        for name, policy in cases.items():
            url, qarn = self.queue("filter-" + name)
            self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn,
                               Attributes={"FilterPolicy": json.dumps(policy), "RawMessageDelivery": "true"})
            queues[name] = url
        messages = [
            ("red", {"color": ("String", "red")}),
            ("blue15", {"color": ("String", "blue"), "price": ("Number", "15")}),
            ("green5", {"color": ("String", "green"), "price": ("Number", "5")}),
            ("ip", {"ip": ("String", "10.0.0.77")}),
            ("tags", {"tags": ("String.Array", '["a","b"]')}),
        ]
        for body, attrs in messages:
            self.sns.publish(TopicArn=arn, Message=body, MessageAttributes={k: {"DataType": t, "StringValue": v} for k, (t, v) in attrs.items()})
        expected = {
            "exact": ["red"], "prefix": ["blue15"], "suffix": ["green5"], "ignorecase": ["red"], "anything": ["green5"],
            "anythingprefix": ["blue15", "green5"], "numeric": ["blue15"], "exists": ["blue15", "green5"],
            "notexists": ["ip", "red", "tags"], "cidr": ["ip"], "or": ["green5"], "array": ["tags"],
        }
        for name, want in expected.items():
            got = sorted(m["Body"] for m in receive_all(self.sqs, queues[name], len(want), wait=1))
            self.assertEqual(got, sorted(want), name)

    def test_payload_filter_policy(self):
        arn = self.sns.create_topic(Name="payload")["TopicArn"]
        url, qarn = self.queue("payload-q")
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={
            "FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"order": {"kind": ["book"], "total": [{"numeric": [">=", 100]}]}})})
        for body in [{"order": {"kind": "book", "total": 150}}, {"order": {"kind": "book", "total": 50}},
                     {"order": {"kind": "pen", "total": 500}}, "plain text"]:
            self.sns.publish(TopicArn=arn, Message=json.dumps(body) if isinstance(body, dict) else body)
        got = [json.loads(m["Body"]) for m in receive_all(self.sqs, url, 1, wait=1)]
        self.assertEqual(got, [{"order": {"kind": "book", "total": 150}}])
        self.assertEqual(receive_all(self.sqs, url, 1, wait=1), [])

    def test_filter_policy_validation(self):
        arn = self.sns.create_topic(Name="badfilter")["TopicArn"]
        qarn = "arn:aws:sqs:us-east-1:000000000000:whatever"

        def bad(policy, scope=None):
            attrs = {"FilterPolicy": json.dumps(policy)}
            if scope:
                attrs["FilterPolicyScope"] = scope
            return error(self.sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes=attrs)[1]

        p = "Invalid parameter: Attributes Reason: "
        self.assertEqual(bad({k: ["x"] for k in "abcdef"}), p + "FilterPolicy: Filter policy can not have more than 5 keys")
        self.assertEqual(bad({"a": list(range(11)), "b": list(range(14))}), p + "FilterPolicy: Filter policy is too complex")
        self.assertEqual(bad({"a": [{"wat": 1}]}), p + "FilterPolicy: Unrecognized match type wat")
        self.assertEqual(bad({"a": []}), p + "FilterPolicy: Empty arrays are not allowed")
        self.assertEqual(bad({"a": [{"numeric": [">", "x"]}]}), p + "FilterPolicy: Value of > must be numeric")
        self.assertEqual(bad({"a": [{"numeric": [">", 5, "<", 1]}]}), p + "FilterPolicy: Bottom must be less than top")
        self.assertEqual(bad({"a": [{"exists": "yes"}]}), p + "FilterPolicy: exists match pattern must be either true or false.")
        self.assertEqual(bad({"a": [{"cidr": "10.0.0.1"}]}), p + "FilterPolicy: Malformed CIDR, one '/' required")
        self.assertEqual(bad({"a": {"b": ["c"]}}), p + "Filter policy scope MessageAttributes does not support nested filter policy")
        self.assertEqual(bad({"a": [[1]]}), p + "FilterPolicy: Match value must be String, number, true, false, or null")

    # ------------------------------------------------------------ http(s), captured endpoints

    def test_http_subscription_handshake_and_delivery(self):
        received = []
        done = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.end_headers()
                done.set()

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            arn = self.sns.create_topic(Name="web")["TopicArn"]
            endpoint = "http://127.0.0.1:%d/hook" % httpd.server_address[1]
            self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint)["SubscriptionArn"], "pending confirmation")
            self.assertTrue(done.wait(10))
            headers, confirmation = received[0]
            self.assertEqual(headers["x-amz-sns-message-type"], "SubscriptionConfirmation")
            self.assertEqual(headers["x-amz-sns-topic-arn"], arn)
            self.assertEqual(confirmation["Type"], "SubscriptionConfirmation")
            self.assertEqual(confirmation["TopicArn"], arn)
            verify(confirmation)
            with urllib.request.urlopen(confirmation["SubscribeURL"]) as r:
                self.assertIn(b"<SubscriptionArn>" + arn.encode(), r.read())
            [sub] = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
            self.assertTrue(sub["SubscriptionArn"].startswith(arn + ":"))
            done.clear()
            msg = self.sns.publish(TopicArn=arn, Message="to the web")
            self.assertTrue(done.wait(10))
            headers, note = received[1]
            self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
            self.assertEqual(headers["x-amz-sns-subscription-arn"], sub["SubscriptionArn"])
            self.assertEqual(headers["Content-Type"], "text/plain; charset=UTF-8")
            self.assertEqual((note["Message"], note["MessageId"]), ("to the web", msg["MessageId"]))
            verify(note)
        finally:
            httpd.shutdown()

    def test_captured_messages(self):
        arn = self.sns.create_topic(Name="people")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sms", Endpoint="+15555550100")["SubscriptionArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="who@example.com")
        self.sns.publish(TopicArn=arn, Message="text me", Subject="Hi")
        self.sns.publish(PhoneNumber="+15555550111", Message="direct")
        with urllib.request.urlopen(self.server.url + "/_gureum/sns/messages?topicArn=" + urllib.request.quote(arn, safe="")) as r:
            captured = json.load(r)["messages"]
        sms = [m for m in captured if m["Protocol"] == "sms"]
        self.assertEqual(len(sms), 1)
        self.assertEqual((sms[0]["Message"], sms[0]["Endpoint"], sms[0]["SubscriptionArn"]), ("text me", "+15555550100", sub))
        confirmations = [m for m in captured if m["Protocol"] == "email"]
        self.assertEqual(json.loads(confirmations[0]["Message"])["Type"], "SubscriptionConfirmation")  # pending email gets no notification
        with urllib.request.urlopen(self.server.url + "/_gureum/sns/messages?endpoint=%2B15555550111") as r:
            self.assertEqual([m["Message"] for m in json.load(r)["messages"]], ["direct"])

    def test_confirm_subscription_errors(self):
        arn = self.sns.create_topic(Name="confirm")["TopicArn"]
        self.assertEqual(error(self.sns.confirm_subscription, TopicArn=arn, Token="nope"), ("InvalidParameter", "Invalid token", 400))

    def test_aws_cli(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")

        def cli(*args):
            out = subprocess.run(["aws", "--endpoint-url", self.server.url, "sns"] + list(args) + ["--output", "json"],
                                 capture_output=True, text=True, env=env)
            return out.returncode, out.stdout, out.stderr

        rc, out, _ = cli("create-topic", "--name", "cli-topic")
        self.assertEqual(rc, 0)
        arn = json.loads(out)["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:us-east-1:000000000000:cli-topic")
        rc, out, _ = cli("publish", "--topic-arn", arn, "--message", "from cli")
        self.assertEqual(rc, 0)
        self.assertEqual(len(json.loads(out)["MessageId"]), 36)
        rc, _, err = cli("get-topic-attributes", "--topic-arn", arn + "-missing")
        self.assertEqual(rc, 255)  # AWS CLI v1's exit code for service errors
        self.assertIn("An error occurred (NotFound) when calling the GetTopicAttributes operation: Topic does not exist", err)


class SnsDurabilityTest(unittest.TestCase):
    def test_subscription_survives_kill9(self):
        data = tempfile.mkdtemp()
        try:
            server = Server(data_dir=data)
            sns, sqs = clients(server.url)
            arn = sns.create_topic(Name="durable")["TopicArn"]
            url = sqs.create_queue(QueueName="durable-q")["QueueUrl"]
            qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
            sns.publish(TopicArn=arn, Message="before")
            server.kill9()
            server = Server(data_dir=data)
            try:
                sns, sqs = clients(server.url)
                url = url.replace(url.split("/")[2], server.url.split("/")[2])
                self.assertEqual(sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"], "true")
                sns.publish(TopicArn=arn, Message="after")
                self.assertEqual(sorted(m["Body"] for m in receive_all(sqs, url, 2)), ["after", "before"])
            finally:
                server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
