"""S3 presigned URLs, anonymous access and bucket policies, through boto3 and plain HTTP (urllib)."""
import json
import time
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore.config
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from gureum_server import Server

PATH = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, signature_version="s3v4")
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def client(server, key="test", signed=True):
    config = PATH if signed else PATH.merge(botocore.config.Config(signature_version=UNSIGNED))
    return boto3.client("s3", endpoint_url=server.url, region_name="us-east-1", config=config,
                        aws_access_key_id=key, aws_secret_access_key="test")


def error(call):
    try:
        call()
    except ClientError as e:
        return e.response
    raise AssertionError("expected an error")


def http(url, method="GET", data=None, headers=None):
    """(status, headers, body) of a plain HTTP request."""
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def xml_error(body):
    root = ET.fromstring(body)
    return root.findtext("Code"), root.findtext("Message")


class S3AccessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.s3 = client(cls.server)
        cls.anon = client(cls.server, signed=False)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # --- presigned URLs ---
    def test_presigned_urls_with_plain_http(self):
        self.s3.create_bucket(Bucket="presign")
        put = self.s3.generate_presigned_url("put_object", Params={"Bucket": "presign", "Key": "a/b.txt"}, ExpiresIn=300)
        status, _, _ = http(put, "PUT", b"hello presigned")
        self.assertEqual(status, 200)
        self.assertEqual(self.s3.get_object(Bucket="presign", Key="a/b.txt")["Body"].read(), b"hello presigned")

        get = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "a/b.txt"}, ExpiresIn=300)
        status, headers, body = http(get)
        self.assertEqual((status, body), (200, b"hello presigned"))
        self.assertEqual(headers["Content-Length"], "15")

        head = self.s3.generate_presigned_url("head_object", Params={"Bucket": "presign", "Key": "a/b.txt"}, ExpiresIn=300)
        status, headers, body = http(head, "HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers["Content-Length"], "15")

        # A URL signed for GET does not authorize another method.
        status, _, body = http(get, "DELETE")
        self.assertEqual(status, 403)
        self.assertEqual(xml_error(body)[0], "SignatureDoesNotMatch")

        delete = self.s3.generate_presigned_url("delete_object", Params={"Bucket": "presign", "Key": "a/b.txt"}, ExpiresIn=300)
        status, _, _ = http(delete, "DELETE")
        self.assertEqual(status, 204)
        r = error(lambda: self.s3.head_object(Bucket="presign", Key="a/b.txt"))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)

        missing = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign", "Key": "nope"}, ExpiresIn=300)
        status, _, body = http(missing)
        self.assertEqual(status, 404)
        self.assertEqual(xml_error(body), ("NoSuchKey", "The specified key does not exist."))

    def test_presigned_url_expires(self):
        self.s3.create_bucket(Bucket="presign-expiry")
        self.s3.put_object(Bucket="presign-expiry", Key="k", Body=b"x")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign-expiry", "Key": "k"}, ExpiresIn=1)
        time.sleep(2.2)
        status, _, body = http(url)
        self.assertEqual(status, 403)
        self.assertEqual(xml_error(body), ("AccessDenied", "Request has expired"))

    def test_presigned_url_with_tampered_signature_is_rejected(self):
        self.s3.create_bucket(Bucket="presign-tamper")
        self.s3.put_object(Bucket="presign-tamper", Key="k", Body=b"x")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": "presign-tamper", "Key": "k"}, ExpiresIn=60)
        status, _, body = http(url.replace("presign-tamper/k", "presign-tamper/other"))
        self.assertEqual(status, 403)
        self.assertEqual(xml_error(body)[0], "SignatureDoesNotMatch")

    # --- anonymous access ---
    def test_anonymous_requests_are_denied_without_a_policy(self):
        self.s3.create_bucket(Bucket="anon-denied")
        self.s3.put_object(Bucket="anon-denied", Key="k", Body=b"secret")
        for call in [lambda: self.anon.get_object(Bucket="anon-denied", Key="k"),
                     lambda: self.anon.list_objects_v2(Bucket="anon-denied"),
                     lambda: self.anon.put_object(Bucket="anon-denied", Key="k2", Body=b"x"),
                     lambda: self.anon.delete_object(Bucket="anon-denied", Key="k")]:
            r = error(call)
            self.assertEqual(r["Error"]["Code"], "AccessDenied")
            self.assertEqual(r["Error"]["Message"], "Access Denied")
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 403)
        status, _, body = http(f"{self.server.url}/anon-denied/k")
        self.assertEqual(status, 403)
        self.assertEqual(xml_error(body), ("AccessDenied", "Access Denied"))
        self.assertEqual(self.s3.get_object(Bucket="anon-denied", Key="k")["Body"].read(), b"secret")

    # --- bucket policy ---
    def test_bucket_policy_crud_and_errors(self):
        self.s3.create_bucket(Bucket="policy-crud")
        r = error(lambda: self.s3.get_bucket_policy(Bucket="policy-crud"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucketPolicy")
        self.assertEqual(r["Error"]["Message"], "The bucket policy does not exist")
        self.assertEqual(r["Error"]["BucketName"], "policy-crud")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        r = error(lambda: self.s3.get_bucket_policy_status(Bucket="policy-crud"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucketPolicy")

        r = error(lambda: self.s3.put_bucket_policy(Bucket="policy-crud", Policy="not json"))
        self.assertEqual(r["Error"]["Code"], "MalformedPolicy")
        self.assertEqual(r["Error"]["Message"], "Policies must be valid JSON and the first byte must be '{'")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        r = error(lambda: self.s3.put_bucket_policy(Bucket="policy-crud", Policy='{"Version": "2012-10-17"}'))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("MalformedPolicy", "Missing required field Statement"))
        wrong_resource = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                                  "Resource": "arn:aws:s3:::other-bucket/*"}]}
        r = error(lambda: self.s3.put_bucket_policy(Bucket="policy-crud", Policy=json.dumps(wrong_resource)))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("MalformedPolicy", "Policy has invalid resource"))
        bad_effect = {"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::policy-crud/*"}]}
        r = error(lambda: self.s3.put_bucket_policy(Bucket="policy-crud", Policy=json.dumps(bad_effect)))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("MalformedPolicy", "Invalid effect: Maybe"))

        private = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                           "Action": "s3:GetObject", "Resource": "arn:aws:s3:::policy-crud/*"}]}
        text = json.dumps(private)
        self.assertEqual(self.s3.put_bucket_policy(Bucket="policy-crud", Policy=text)["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(json.loads(self.s3.get_bucket_policy(Bucket="policy-crud")["Policy"]), private)
        self.assertEqual(self.s3.get_bucket_policy_status(Bucket="policy-crud")["PolicyStatus"], {"IsPublic": False})

        public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                          "Action": "s3:GetObject", "Resource": "arn:aws:s3:::policy-crud/*"}]}
        self.s3.put_bucket_policy(Bucket="policy-crud", Policy=json.dumps(public))
        self.assertEqual(self.s3.get_bucket_policy_status(Bucket="policy-crud")["PolicyStatus"], {"IsPublic": True})

        self.assertEqual(self.s3.delete_bucket_policy(Bucket="policy-crud")["ResponseMetadata"]["HTTPStatusCode"], 204)
        r = error(lambda: self.s3.get_bucket_policy(Bucket="policy-crud"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucketPolicy")
        self.assertEqual(self.s3.delete_bucket_policy(Bucket="policy-crud")["ResponseMetadata"]["HTTPStatusCode"], 204)

        r = error(lambda: self.s3.get_bucket_policy(Bucket="policy-no-such-bucket"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")

    def test_public_read_policy_lets_anonymous_get_and_list(self):
        self.s3.create_bucket(Bucket="policy-public")
        self.s3.put_object(Bucket="policy-public", Key="public/a.txt", Body=b"open")
        self.s3.put_object(Bucket="policy-public", Key="private/b.txt", Body=b"closed")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
             "Resource": "arn:aws:s3:::policy-public/public/*"},
            {"Sid": "List", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:ListBucket",
             "Resource": "arn:aws:s3:::policy-public"},
        ]}
        self.s3.put_bucket_policy(Bucket="policy-public", Policy=json.dumps(policy))

        self.assertEqual(self.anon.get_object(Bucket="policy-public", Key="public/a.txt")["Body"].read(), b"open")
        status, _, body = http(f"{self.server.url}/policy-public/public/a.txt")
        self.assertEqual((status, body), (200, b"open"))
        self.assertEqual(self.anon.head_object(Bucket="policy-public", Key="public/a.txt")["ContentLength"], 4)
        keys = [o["Key"] for o in self.anon.list_objects_v2(Bucket="policy-public")["Contents"]]
        self.assertEqual(keys, ["private/b.txt", "public/a.txt"])

        r = error(lambda: self.anon.get_object(Bucket="policy-public", Key="private/b.txt"))
        self.assertEqual((r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]), ("AccessDenied", 403))
        r = error(lambda: self.anon.put_object(Bucket="policy-public", Key="public/new", Body=b"x"))
        self.assertEqual(r["Error"]["Code"], "AccessDenied")
        r = error(lambda: self.anon.delete_object(Bucket="policy-public", Key="public/a.txt"))
        self.assertEqual(r["Error"]["Code"], "AccessDenied")
        r = error(lambda: self.anon.get_bucket_policy(Bucket="policy-public"))
        self.assertEqual(r["Error"]["Code"], "AccessDenied")

    def test_explicit_deny_wins(self):
        self.s3.create_bucket(Bucket="policy-deny")
        self.s3.put_object(Bucket="policy-deny", Key="open/a", Body=b"a")
        self.s3.put_object(Bucket="policy-deny", Key="locked/b", Body=b"b")
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::policy-deny/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::policy-deny/locked/*"},
        ]}
        self.s3.put_bucket_policy(Bucket="policy-deny", Policy=json.dumps(policy))
        self.assertEqual(self.anon.get_object(Bucket="policy-deny", Key="open/a")["Body"].read(), b"a")
        r = error(lambda: self.anon.get_object(Bucket="policy-deny", Key="locked/b"))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("AccessDenied", "Access Denied"))
        # The Deny applies to the owner too, but the owner can still manage the policy.
        r = error(lambda: self.s3.get_object(Bucket="policy-deny", Key="locked/b"))
        self.assertEqual(r["Error"]["Code"], "AccessDenied")
        self.s3.delete_bucket_policy(Bucket="policy-deny")
        self.assertEqual(self.s3.get_object(Bucket="policy-deny", Key="locked/b")["Body"].read(), b"b")

    def test_policy_survives_restart(self):
        import tempfile
        import shutil
        data = tempfile.mkdtemp()
        try:
            server = Server(data_dir=data)
            try:
                s3 = client(server)
                s3.create_bucket(Bucket="policy-durable")
                s3.put_object(Bucket="policy-durable", Key="k", Body=b"v")
                s3.put_bucket_policy(Bucket="policy-durable", Policy=json.dumps({"Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::policy-durable/*"}]}))
            finally:
                server.kill9()
            server = Server(data_dir=data)
            try:
                status, _, body = http(f"{server.url}/policy-durable/k")
                self.assertEqual((status, body), (200, b"v"))
            finally:
                server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
