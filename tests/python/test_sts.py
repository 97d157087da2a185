"""STS GetCallerIdentity through boto3 and the AWS CLI: query protocol, SigV4, accounts."""
import json
import os
import subprocess
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})


class StsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, key="test", secret="test", token=None):
        return boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)

    def test_default_identity_is_root_of_default_account(self):
        r = self.client().get_caller_identity()
        self.assertEqual(r["Account"], "000000000000")
        self.assertEqual(r["Arn"], "arn:aws:iam::000000000000:root")
        self.assertEqual(r["UserId"], "000000000000")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertTrue(r["ResponseMetadata"]["RequestId"])

    def test_twelve_digit_key_selects_the_account(self):
        r = self.client(key="123456789012", secret="whatever").get_caller_identity()
        self.assertEqual(r["Account"], "123456789012")

    def test_wrong_secret_is_signature_does_not_match(self):
        with self.assertRaises(ClientError) as ctx:
            self.client(secret="wrong").get_caller_identity()
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(error["Error"]["Type"], "Sender")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_presigned_url_works_with_plain_http(self):
        import urllib.request
        # botocore presigns with the operation's method (POST), as AWS expects it to be used.
        url = self.client().generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60)
        with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST")) as r:
            body = r.read().decode()
        self.assertIn("<Account>000000000000</Account>", body)

    def test_presigned_url_used_with_another_method_is_rejected(self):
        import urllib.error
        import urllib.request
        url = self.client().generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60)
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(url)
        self.assertEqual(ctx.exception.code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", ctx.exception.read())

    def test_cli_get_caller_identity(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        out = subprocess.run(["aws", "--endpoint-url", self.server.url, "sts", "get-caller-identity", "--output", "json"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["Arn"], "arn:aws:iam::000000000000:root")

    def test_cli_wrong_secret_fails_with_code(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="nope", AWS_DEFAULT_REGION="us-east-1")
        out = subprocess.run(["aws", "--endpoint-url", self.server.url, "sts", "get-caller-identity"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", out.stderr)


class StrictModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--auth", "strict")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_unknown_key_is_invalid_client_token_id(self):
        sts = boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                           aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="x")
        with self.assertRaises(ClientError) as ctx:
            sts.get_caller_identity()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_known_key_still_works(self):
        sts = boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                           aws_access_key_id="test", aws_secret_access_key="test")
        self.assertEqual(sts.get_caller_identity()["Account"], "000000000000")


if __name__ == "__main__":
    unittest.main()
