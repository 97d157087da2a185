"""POST /_gureum/reset and /moto-api/reset drop every service's state, stored and in memory."""
import unittest
import urllib.request

import boto3
import botocore.config

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


class ResetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, service):
        return boto3.client(service, endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def reset(self, path):
        request = urllib.request.Request(self.server.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request) as r:
            self.assertEqual(r.status, 200)

    def test_reset_drops_queues_and_buckets(self):
        for path in ("/_gureum/reset", "/moto-api/reset"):
            with self.subTest(path=path):
                sqs, s3 = self.client("sqs"), self.client("s3")
                url = sqs.create_queue(QueueName="reset-me")["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody="x")
                s3.create_bucket(Bucket="reset-bucket")
                s3.put_object(Bucket="reset-bucket", Key="k", Body=b"v")
                self.reset(path)
                self.assertEqual(sqs.list_queues().get("QueueUrls", []), [])
                self.assertEqual(s3.list_buckets()["Buckets"], [])
                # The same names can be created again at once, with nothing left in them.
                url = sqs.create_queue(QueueName="reset-me")["QueueUrl"]
                self.assertEqual(sqs.receive_message(QueueUrl=url).get("Messages", []), [])
                s3.create_bucket(Bucket="reset-bucket")
                self.assertEqual(s3.list_objects_v2(Bucket="reset-bucket")["KeyCount"], 0)
                self.reset(path)


if __name__ == "__main__":
    unittest.main()
