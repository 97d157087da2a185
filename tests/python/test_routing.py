"""Every protocol family routes boto3 requests to the right service and operation."""
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})

# (service, operation, params): one per protocol family and a few S3 routing traps.
CASES = [
    ("s3", "list_buckets", {}),
    ("s3", "put_object", {"Bucket": "b", "Key": "a/b.txt", "Body": b"hi"}),
    ("s3", "upload_part", {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 1, "Body": b"x"}),
    ("s3", "copy_object", {"Bucket": "b", "Key": "k", "CopySource": "src/key"}),
    ("s3", "list_objects_v2", {"Bucket": "b"}),
    ("s3", "list_objects", {"Bucket": "b"}),
    ("s3", "list_parts", {"Bucket": "b", "Key": "k", "UploadId": "u"}),
    ("s3", "get_object", {"Bucket": "b", "Key": "k"}),
    ("s3", "delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}}),
    ("dynamodb", "list_backups", {}),
    ("sqs", "list_message_move_tasks", {"SourceArn": "arn:aws:sqs:us-east-1:000000000000:q"}),
    ("lambda", "list_layers", {}),
    ("lambda", "get_function_url_config", {"FunctionName": "f"}),
    ("cloudwatch", "list_metrics", {}),
    ("kms", "list_grants", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    ("ec2", "describe_regions", {}),
    ("iam", "get_account_summary", {}),
    ("sns", "list_platform_applications", {}),
    ("apigatewayv2", "get_apis", {}),
    ("apigateway", "get_rest_apis", {}),
    ("logs", "describe_metric_filters", {}),
]


class RoutingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_each_request_reaches_its_operation(self):
        for service, method, params in CASES:
            with self.subTest(service=service, method=method):
                client = boto3.client(service, endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                                      aws_access_key_id="test", aws_secret_access_key="test")
                operation = client.meta.method_to_api_mapping[method]
                if service == "s3":
                    # S3 is implemented: reaching the operation means S3's own answer for a missing bucket.
                    if method == "list_buckets":
                        self.assertEqual(client.list_buckets()["ResponseMetadata"]["HTTPStatusCode"], 200)
                        continue
                    with self.assertRaises(ClientError) as ctx:
                        getattr(client, method)(**params)
                    self.assertEqual(ctx.exception.response["Error"]["Code"], "NoSuchBucket")
                    self.assertEqual(ctx.exception.response["Error"]["BucketName"], "b")
                    continue
                if service == "sqs":
                    # message move tasks are implemented: SQS's own answer for a missing source queue.
                    with self.assertRaises(ClientError) as ctx:
                        getattr(client, method)(**params)
                    self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")
                    self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
                    continue
                with self.assertRaises(ClientError) as ctx:
                    getattr(client, method)(**params)
                error = ctx.exception.response["Error"]
                self.assertEqual(error["Code"], "NotImplemented")
                self.assertIn("'%s' of service '%s'" % (operation, service), error["Message"])
                self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 501)

    def test_health_lists_every_vendored_service(self):
        health = self.server.health()
        self.assertEqual(health["status"], "running")
        self.assertEqual(health["services"]["sts"], "running")
        self.assertEqual(len(health["services"]), 30)


if __name__ == "__main__":
    unittest.main()
