"""SQS dead-letter queue redrive through boto3: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask,
and durability of moved messages across a SIGKILL."""
import json
import shutil
import tempfile
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 0})


def client(server):
    return boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=CONFIG)


def arn_of(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def setup_redrive(sqs, prefix, count):
    """A source queue with a DLQ (maxReceiveCount 1) holding `count` dead-lettered messages."""
    dlq_url = sqs.create_queue(QueueName=prefix + "-dlq")["QueueUrl"]
    dlq = arn_of(sqs, dlq_url)
    src_url = sqs.create_queue(QueueName=prefix + "-src", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": 1})})["QueueUrl"]
    for i in range(count):
        sqs.send_message(QueueUrl=src_url, MessageBody=f"m{i}",
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(i)}})
    # first receive (count 1), made visible again; the second receive moves them to the DLQ
    got = 0
    while got < count:
        got += len(sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", []))
    sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    deadline = time.time() + 10
    while int(sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
              ["Attributes"]["ApproximateNumberOfMessages"]) < count:
        sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        assert time.time() < deadline, "messages did not reach the DLQ"
    return src_url, arn_of(sqs, src_url), dlq_url, dlq


def wait_status(sqs, source_arn, status, timeout=15):
    deadline = time.time() + timeout
    while True:
        [task] = sqs.list_message_move_tasks(SourceArn=source_arn)["Results"]
        if task["Status"] == status or time.time() > deadline:
            return task
        time.sleep(0.1)


def drain(sqs, url):
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


class SqsMoveTaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.sqs = client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as cm:
            call(**kw)
        return cm.exception.response

    def test_redrive_to_original_source(self):
        src_url, src, dlq_url, dlq = setup_redrive(self.sqs, "back", 3)
        handle = self.sqs.start_message_move_task(SourceArn=dlq)["TaskHandle"]
        self.assertTrue(handle)
        task = wait_status(self.sqs, dlq, "COMPLETED")
        self.assertEqual(task["Status"], "COMPLETED")
        self.assertEqual(task["SourceArn"], dlq)
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 3)
        self.assertEqual(task["ApproximateNumberOfMessagesToMove"], 3)
        self.assertNotIn("TaskHandle", task)
        self.assertNotIn("DestinationArn", task)
        self.assertIsInstance(task["StartedTimestamp"], int)
        moved = drain(self.sqs, src_url)
        self.assertEqual(sorted(m["Body"] for m in moved), ["m0", "m1", "m2"])
        for m in moved:
            self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
            self.assertNotIn("DeadLetterQueueSourceArn", m["Attributes"])
            self.assertEqual(m["MessageAttributes"]["n"]["DataType"], "Number")
        self.assertEqual(drain(self.sqs, dlq_url), [])

    def test_redrive_to_explicit_destination_with_rate(self):
        _, _, dlq_url, dlq = setup_redrive(self.sqs, "dest", 4)
        other_url = self.sqs.create_queue(QueueName="dest-other")["QueueUrl"]
        other = arn_of(self.sqs, other_url)
        self.sqs.start_message_move_task(SourceArn=dlq, DestinationArn=other, MaxNumberOfMessagesPerSecond=2)
        running = self.sqs.list_message_move_tasks(SourceArn=dlq)["Results"][0]
        self.assertEqual(running["Status"], "RUNNING")
        self.assertTrue(running["TaskHandle"])
        self.assertEqual(running["DestinationArn"], other)
        self.assertEqual(running["MaxNumberOfMessagesPerSecond"], 2)
        # only one active task per source
        err = self.error(self.sqs.start_message_move_task, SourceArn=dlq)
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        task = wait_status(self.sqs, dlq, "COMPLETED")
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 4)
        self.assertEqual(sorted(m["Body"] for m in drain(self.sqs, other_url)), ["m0", "m1", "m2", "m3"])

    def test_cancel(self):
        _, _, dlq_url, dlq = setup_redrive(self.sqs, "cancel", 6)
        handle = self.sqs.start_message_move_task(SourceArn=dlq, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
        time.sleep(0.3)
        moved = self.sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
        self.assertLess(moved, 6)
        task = wait_status(self.sqs, dlq, "CANCELLED")
        self.assertEqual(task["Status"], "CANCELLED")
        self.assertLess(task["ApproximateNumberOfMessagesMoved"], 6)
        left = int(self.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
                   ["Attributes"]["ApproximateNumberOfMessages"])
        self.assertEqual(left + task["ApproximateNumberOfMessagesMoved"], 6)
        err = self.error(self.sqs.cancel_message_move_task, TaskHandle=handle)
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.cancel_message_move_task, TaskHandle="bm9wZQ==")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        # a finished task lets a new one start; list is newest first
        self.sqs.start_message_move_task(SourceArn=dlq)
        wait_status(self.sqs, dlq, "COMPLETED")
        both = self.sqs.list_message_move_tasks(SourceArn=dlq, MaxResults=10)["Results"]
        self.assertEqual([t["Status"] for t in both], ["COMPLETED", "CANCELLED"])

    def test_validation(self):
        plain = arn_of(self.sqs, self.sqs.create_queue(QueueName="not-a-dlq")["QueueUrl"])
        err = self.error(self.sqs.start_message_move_task, SourceArn=plain)
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.start_message_move_task, SourceArn="arn:aws:sqs:us-east-1:000000000000:missing")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        _, _, _, dlq = setup_redrive(self.sqs, "valid", 1)
        err = self.error(self.sqs.start_message_move_task, SourceArn=dlq, DestinationArn="arn:aws:sqs:us-east-1:000000000000:missing")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        err = self.error(self.sqs.start_message_move_task, SourceArn=dlq, MaxNumberOfMessagesPerSecond=501)
        self.assertEqual(err["Error"]["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.list_message_move_tasks, SourceArn="arn:aws:sqs:us-east-1:000000000000:missing")
        self.assertEqual(err["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(self.sqs.list_message_move_tasks(SourceArn=dlq)["Results"], [])


class SqsMoveTaskDurabilityTest(unittest.TestCase):
    def test_moved_messages_survive_sigkill(self):
        data = tempfile.mkdtemp(prefix="sqs-move-")
        self.addCleanup(shutil.rmtree, data, True)
        server = Server(data_dir=data)
        try:
            sqs = client(server)
            src_url, _, dlq_url, dlq = setup_redrive(sqs, "durable", 3)
            sqs.start_message_move_task(SourceArn=dlq)
            self.assertEqual(wait_status(sqs, dlq, "COMPLETED")["ApproximateNumberOfMessagesMoved"], 3)
        finally:
            server.kill9()
        server = Server(data_dir=data)
        try:
            sqs = client(server)
            self.assertEqual(sorted(m["Body"] for m in drain(sqs, src_url.replace(src_url.split("/")[2], server.url.split("/")[2]))),
                             ["m0", "m1", "m2"])
            self.assertEqual(drain(sqs, dlq_url.replace(dlq_url.split("/")[2], server.url.split("/")[2])), [])
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
