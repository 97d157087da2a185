"""S3 through boto3 and the AWS CLI: buckets, objects, listings, multipart, durability, bounded memory."""
import base64
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
import botocore.config
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from gureum_server import Server

PATH = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


def client(server, region="us-east-1", key="test"):
    return boto3.client("s3", endpoint_url=server.url, region_name=region, config=PATH,
                        aws_access_key_id=key, aws_secret_access_key="test")


def error(call):
    try:
        call()
    except ClientError as e:
        return e.response
    raise AssertionError("expected an error")


class S3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.s3 = client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def bucket(self, name):
        self.s3.create_bucket(Bucket=name)
        return name

    # --- buckets ---
    def test_bucket_names_are_validated(self):
        for bad in ["ab", "UPPER", "a..b", "192.168.5.4", "-abc", "xn--abc", "abc-s3alias", "a" * 64]:
            r = error(lambda: self.s3.create_bucket(Bucket=bad))
            self.assertEqual(r["Error"]["Code"], "InvalidBucketName", bad)
            self.assertEqual(r["Error"]["Message"], "The specified bucket is not valid.")
            self.assertEqual(r["Error"]["BucketName"], bad)
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_location_constraints(self):
        r = error(lambda: self.s3.create_bucket(Bucket="loc-east", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}))
        self.assertEqual(r["Error"]["Code"], "InvalidLocationConstraint")
        self.assertEqual(r["Error"]["Message"], "The specified location-constraint is not valid")
        west = client(self.server, region="us-west-2")
        r = error(lambda: west.create_bucket(Bucket="loc-west"))
        self.assertEqual(r["Error"]["Code"], "IllegalLocationConstraintException")
        self.assertEqual(r["Error"]["Message"], "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
        r = error(lambda: west.create_bucket(Bucket="loc-west", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}))
        self.assertEqual(r["Error"]["Message"], "The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to.")
        west.create_bucket(Bucket="loc-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        self.assertEqual(west.get_bucket_location(Bucket="loc-west")["LocationConstraint"], "us-west-2")
        self.assertEqual(west.head_bucket(Bucket="loc-west")["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], "us-west-2")
        self.bucket("loc-default")
        self.assertIsNone(self.s3.get_bucket_location(Bucket="loc-default")["LocationConstraint"])

    def test_bucket_ownership_and_global_namespace(self):
        self.bucket("owned-bucket")
        # us-east-1 answers 200 when you re-create your own bucket
        self.assertEqual(self.s3.create_bucket(Bucket="owned-bucket")["ResponseMetadata"]["HTTPStatusCode"], 200)
        west = client(self.server, region="us-west-2")
        west.create_bucket(Bucket="owned-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        r = error(lambda: west.create_bucket(Bucket="owned-west", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}))
        self.assertEqual(r["Error"]["Code"], "BucketAlreadyOwnedByYou")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 409)
        other = client(self.server, key="111122223333")
        r = error(lambda: other.create_bucket(Bucket="owned-bucket"))
        self.assertEqual(r["Error"]["Code"], "BucketAlreadyExists")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 409)
        r = error(lambda: other.head_bucket(Bucket="owned-bucket"))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertNotIn("owned-bucket", [b["Name"] for b in other.list_buckets()["Buckets"]])

    def test_delete_bucket(self):
        self.bucket("del-bucket")
        self.s3.put_object(Bucket="del-bucket", Key="k", Body=b"x")
        r = error(lambda: self.s3.delete_bucket(Bucket="del-bucket"))
        self.assertEqual(r["Error"]["Code"], "BucketNotEmpty")
        self.assertEqual(r["Error"]["Message"], "The bucket you tried to delete is not empty")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 409)
        self.s3.delete_object(Bucket="del-bucket", Key="k")
        self.assertEqual(self.s3.delete_bucket(Bucket="del-bucket")["ResponseMetadata"]["HTTPStatusCode"], 204)
        r = error(lambda: self.s3.delete_bucket(Bucket="del-bucket"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")
        self.assertEqual(r["Error"]["BucketName"], "del-bucket")
        self.assertEqual(r["Error"]["Message"], "The specified bucket does not exist")

    def test_list_buckets_pagination_prefix_owner(self):
        s3 = client(self.server, key="444455556666")
        for i in range(5):
            s3.create_bucket(Bucket="page-%d" % i)
        s3.create_bucket(Bucket="other-1")
        first = s3.list_buckets(MaxBuckets=2, Prefix="page-")
        self.assertEqual([b["Name"] for b in first["Buckets"]], ["page-0", "page-1"])
        self.assertEqual(first["Buckets"][0]["BucketRegion"], "us-east-1")
        self.assertEqual(len(first["Owner"]["ID"]), 64)
        second = s3.list_buckets(MaxBuckets=10, Prefix="page-", ContinuationToken=first["ContinuationToken"])
        self.assertEqual([b["Name"] for b in second["Buckets"]], ["page-2", "page-3", "page-4"])
        self.assertNotIn("ContinuationToken", second)
        self.assertEqual(len(s3.list_buckets()["Buckets"]), 6)

    # --- objects ---
    def test_put_get_head_with_headers_and_metadata(self):
        b = self.bucket("obj-basic")
        body = b"0123456789" * 10
        r = self.s3.put_object(Bucket=b, Key="dir/file.txt", Body=body, ContentType="text/plain", ContentEncoding="identity",
                               ContentDisposition="attachment", ContentLanguage="ko", CacheControl="max-age=60",
                               Metadata={"Color": "blue"}, ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode())
        self.assertEqual(r["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        g = self.s3.get_object(Bucket=b, Key="dir/file.txt")
        self.assertEqual(g["Body"].read(), body)
        self.assertEqual(g["ContentType"], "text/plain")
        self.assertEqual(g["ContentDisposition"], "attachment")
        self.assertEqual(g["ContentLanguage"], "ko")
        self.assertEqual(g["CacheControl"], "max-age=60")
        self.assertEqual(g["Metadata"], {"color": "blue"})
        self.assertEqual(g["ContentLength"], 100)
        self.assertEqual(g["AcceptRanges"], "bytes")
        h = self.s3.head_object(Bucket=b, Key="dir/file.txt")
        self.assertEqual(h["ETag"], r["ETag"])
        self.assertEqual(h["ContentLength"], 100)
        o = self.s3.get_object(Bucket=b, Key="dir/file.txt", ResponseContentType="application/json", ResponseCacheControl="no-cache")
        self.assertEqual(o["ContentType"], "application/json")
        self.assertEqual(o["CacheControl"], "no-cache")
        self.assertEqual(self.s3.put_object(Bucket=b, Key="default-type", Body=b"")["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"')
        self.assertEqual(self.s3.head_object(Bucket=b, Key="default-type")["ContentType"], "binary/octet-stream")

    def test_digest_and_metadata_errors(self):
        b = self.bucket("obj-errors")
        r = error(lambda: self.s3.put_object(Bucket=b, Key="k", Body=b"abc", ContentMD5=base64.b64encode(hashlib.md5(b"xyz").digest()).decode()))
        self.assertEqual(r["Error"]["Code"], "BadDigest")
        self.assertEqual(r["Error"]["Message"], "The Content-MD5 you specified did not match what we received.")
        r = error(lambda: self.s3.put_object(Bucket=b, Key="k", Body=b"abc", ContentMD5="notbase64"))
        self.assertEqual(r["Error"]["Code"], "InvalidDigest")
        r = error(lambda: self.s3.put_object(Bucket=b, Key="k", Body=b"abc", Metadata={"big": "x" * 2100}))
        self.assertEqual(r["Error"]["Code"], "MetadataTooLarge")
        r = error(lambda: self.s3.put_object(Bucket=b, Key="k" * 1025, Body=b"abc"))
        self.assertEqual(r["Error"]["Code"], "KeyTooLongError")
        r = error(lambda: self.s3.put_object(Bucket=b, Key="k", Body=b"abc", ChecksumSHA256=base64.b64encode(hashlib.sha256(b"xyz").digest()).decode()))
        self.assertEqual(r["Error"]["Code"], "BadDigest")
        self.assertEqual(r["Error"]["Message"], "The SHA256 you specified did not match the calculated checksum.")
        r = error(lambda: self.s3.head_object(Bucket=b, Key="k"))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        r = error(lambda: self.s3.put_object(Bucket="no-such-bucket-x", Key="k", Body=b"abc"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")

    def test_checksums_validated_and_returned(self):
        b = self.bucket("obj-checksums")
        data = b"checksum me"
        for algorithm in ["CRC32", "SHA1", "SHA256"]:  # CRC32C/CRC64NVME need botocore[crt]; the .NET tests cover them
            r = self.s3.put_object(Bucket=b, Key=algorithm, Body=data, ChecksumAlgorithm=algorithm)
            value = r["Checksum" + algorithm]
            g = self.s3.get_object(Bucket=b, Key=algorithm, ChecksumMode="ENABLED")
            self.assertEqual(g["Checksum" + algorithm], value)
            self.assertEqual(g["ChecksumType"], "FULL_OBJECT")
            self.assertEqual(g["Body"].read(), data)
        self.assertEqual(self.s3.head_object(Bucket=b, Key="SHA256", ChecksumMode="ENABLED")["ChecksumSHA256"],
                         base64.b64encode(hashlib.sha256(data).digest()).decode())
        self.assertEqual(self.s3.head_object(Bucket=b, Key="SHA1", ChecksumMode="ENABLED")["ChecksumSHA1"],
                         base64.b64encode(hashlib.sha1(data).digest()).decode())
        self.assertEqual(self.s3.head_object(Bucket=b, Key="CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"],
                         base64.b64encode((__import__("zlib").crc32(data)).to_bytes(4, "big")).decode())

    def test_ranges(self):
        b = self.bucket("obj-ranges")
        self.s3.put_object(Bucket=b, Key="r", Body=b"abcdefghij")
        g = self.s3.get_object(Bucket=b, Key="r", Range="bytes=2-4")
        self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(g["Body"].read(), b"cde")
        self.assertEqual(g["ContentRange"], "bytes 2-4/10")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=-3")["Body"].read(), b"hij")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=7-")["Body"].read(), b"hij")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=5-100")["ContentRange"], "bytes 5-9/10")
        r = error(lambda: self.s3.get_object(Bucket=b, Key="r", Range="bytes=10-20"))
        self.assertEqual(r["Error"]["Code"], "InvalidRange")
        self.assertEqual(r["Error"]["Message"], "The requested range is not satisfiable")
        self.assertEqual(r["Error"]["ActualObjectSize"], "10")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 416)
        full = self.s3.get_object(Bucket=b, Key="r", Range="bytes=abc")
        self.assertEqual(full["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_conditional_requests(self):
        b = self.bucket("obj-cond")
        etag = self.s3.put_object(Bucket=b, Key="c", Body=b"x")["ETag"]
        modified = self.s3.head_object(Bucket=b, Key="c")["LastModified"]
        self.assertEqual(self.s3.get_object(Bucket=b, Key="c", IfMatch=etag)["ResponseMetadata"]["HTTPStatusCode"], 200)
        r = error(lambda: self.s3.get_object(Bucket=b, Key="c", IfMatch='"nope"'))
        self.assertEqual(r["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(r["Error"]["Condition"], "If-Match")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 412)
        r = error(lambda: self.s3.get_object(Bucket=b, Key="c", IfNoneMatch=etag))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 304)
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["etag"], etag)
        r = error(lambda: self.s3.get_object(Bucket=b, Key="c", IfModifiedSince=modified))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 304)
        r = error(lambda: self.s3.get_object(Bucket=b, Key="c", IfUnmodifiedSince=modified.replace(year=2000)))
        self.assertEqual(r["Error"]["Condition"], "If-Unmodified-Since")
        # If-Match true wins over If-Unmodified-Since false
        ok = self.s3.get_object(Bucket=b, Key="c", IfMatch=etag, IfUnmodifiedSince=modified.replace(year=2000))
        self.assertEqual(ok["ResponseMetadata"]["HTTPStatusCode"], 200)
        r = error(lambda: self.s3.head_object(Bucket=b, Key="c", IfMatch='"nope"'))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 412)
        # conditional writes
        r = error(lambda: self.s3.put_object(Bucket=b, Key="c", Body=b"y", IfNoneMatch="*"))
        self.assertEqual(r["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(self.s3.put_object(Bucket=b, Key="new", Body=b"y", IfNoneMatch="*")["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="c")["Body"].read(), b"x")

    def test_delete_objects(self):
        b = self.bucket("obj-multi-del")
        for k in ["a", "b", "c"]:
            self.s3.put_object(Bucket=b, Key=k, Body=b"1")
        self.assertEqual(self.s3.delete_object(Bucket=b, Key="missing")["ResponseMetadata"]["HTTPStatusCode"], 204)
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "zz"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["a", "b", "zz"])
        self.assertNotIn("Errors", r)
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertEqual(self.s3.list_objects_v2(Bucket=b)["KeyCount"], 0)

    def test_copy_object(self):
        src = self.bucket("copy-src")
        dst = self.bucket("copy-dst")
        self.s3.put_object(Bucket=src, Key="dir/my file+ü.txt", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"})
        r = self.s3.copy_object(Bucket=dst, Key="copied", CopySource={"Bucket": src, "Key": "dir/my file+ü.txt"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], '"%s"' % hashlib.md5(b"copy me").hexdigest())
        g = self.s3.get_object(Bucket=dst, Key="copied")
        self.assertEqual(g["Body"].read(), b"copy me")
        self.assertEqual(g["Metadata"], {"a": "1"})
        self.assertEqual(g["ContentType"], "text/plain")
        self.s3.copy_object(Bucket=dst, Key="replaced", CopySource="%s/dir/my file+ü.txt" % src, MetadataDirective="REPLACE",
                            Metadata={"b": "2"}, ContentType="text/html")
        h = self.s3.head_object(Bucket=dst, Key="replaced")
        self.assertEqual(h["Metadata"], {"b": "2"})
        self.assertEqual(h["ContentType"], "text/html")
        r = error(lambda: self.s3.copy_object(Bucket=dst, Key="copied", CopySource={"Bucket": dst, "Key": "copied"}))
        self.assertEqual(r["Error"]["Code"], "InvalidRequest")
        self.assertIn("copy an object to itself", r["Error"]["Message"])
        self.s3.copy_object(Bucket=dst, Key="copied", CopySource={"Bucket": dst, "Key": "copied"}, MetadataDirective="REPLACE", Metadata={"c": "3"})
        self.assertEqual(self.s3.head_object(Bucket=dst, Key="copied")["Metadata"], {"c": "3"})
        r = error(lambda: self.s3.copy_object(Bucket=dst, Key="x", CopySource={"Bucket": src, "Key": "missing"}))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        r = error(lambda: self.s3.copy_object(Bucket=dst, Key="x", CopySource={"Bucket": src, "Key": "dir/my file+ü.txt"}, CopySourceIfMatch='"bad"'))
        self.assertEqual(r["Error"]["Code"], "PreconditionFailed")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 412)

    # --- listings ---
    def test_list_objects_v2(self):
        b = self.bucket("list-v2")
        keys = ["a/1", "a/2", "b/1", "c", "d", "e f", "é"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=b"z")
        r = self.s3.list_objects_v2(Bucket=b)
        self.assertEqual([o["Key"] for o in r["Contents"]], keys)
        self.assertEqual(r["KeyCount"], 7)
        self.assertFalse(r["IsTruncated"])
        self.assertEqual(r["Contents"][0]["StorageClass"], "STANDARD")
        self.assertNotIn("Owner", r["Contents"][0])
        r = self.s3.list_objects_v2(Bucket=b, Delimiter="/", MaxKeys=3)
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/"])
        self.assertEqual([o["Key"] for o in r["Contents"]], ["c"])
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["KeyCount"], 3)
        r2 = self.s3.list_objects_v2(Bucket=b, Delimiter="/", ContinuationToken=r["NextContinuationToken"])
        self.assertEqual([o["Key"] for o in r2["Contents"]], ["d", "e f", "é"])
        self.assertNotIn("CommonPrefixes", r2)
        r = self.s3.list_objects_v2(Bucket=b, Prefix="a/", StartAfter="a/1", FetchOwner=True)
        self.assertEqual([o["Key"] for o in r["Contents"]], ["a/2"])
        self.assertEqual(len(r["Contents"][0]["Owner"]["ID"]), 64)
        r = self.s3.list_objects_v2(Bucket=b, Prefix="e", EncodingType="url")
        self.assertEqual(r["Contents"][0]["Key"], "e+f")  # an explicit EncodingType leaves decoding to the caller
        self.assertEqual(r["EncodingType"], "url")
        r = self.s3.list_objects_v2(Bucket=b, StartAfter="e f", EncodingType="url")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["%C3%A9"])
        r = self.s3.list_objects_v2(Bucket=b, MaxKeys=0)
        self.assertEqual(r["KeyCount"], 0)
        r = error(lambda: self.s3.list_objects_v2(Bucket=b, ContinuationToken="garbage"))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        r = error(lambda: self.s3.list_objects_v2(Bucket="list-missing"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")

    def test_list_objects_v1_paginates(self):
        b = self.bucket("list-v1")
        for i in range(25):
            self.s3.put_object(Bucket=b, Key="k%02d" % i, Body=b"z")
        seen = []
        for page in self.s3.get_paginator("list_objects").paginate(Bucket=b, PaginationConfig={"PageSize": 10}):
            seen += [o["Key"] for o in page["Contents"]]
            self.assertIn("Owner", page["Contents"][0])
        self.assertEqual(seen, ["k%02d" % i for i in range(25)])
        r = self.s3.list_objects(Bucket=b, Marker="k20")
        self.assertEqual([o["Key"] for o in r["Contents"]], ["k21", "k22", "k23", "k24"])

    # --- multipart ---
    def test_multipart_upload(self):
        b = self.bucket("mpu")
        up = self.s3.create_multipart_upload(Bucket=b, Key="big", ContentType="video/mp4", Metadata={"m": "v"})["UploadId"]
        p1 = os.urandom(5 * 1024 * 1024)
        p2 = os.urandom(1024)
        e1 = self.s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=1, Body=p1)["ETag"]
        e2 = self.s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=2, Body=p2)["ETag"]
        parts = self.s3.list_parts(Bucket=b, Key="big", UploadId=up)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, len(p1)), (2, len(p2))])
        uploads = self.s3.list_multipart_uploads(Bucket=b)["Uploads"]
        self.assertEqual([(u["Key"], u["UploadId"]) for u in uploads], [("big", up)])
        r = error(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=up, MultipartUpload={"Parts": [
            {"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidPartOrder")
        r = error(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=up, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": '"0000"'}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidPart")
        done = self.s3.complete_multipart_upload(Bucket=b, Key="big", UploadId=up, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        expected = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest() + "-2"
        self.assertEqual(done["ETag"], '"%s"' % expected)
        g = self.s3.get_object(Bucket=b, Key="big")
        self.assertEqual(g["Body"].read(), p1 + p2)
        self.assertEqual(g["ContentType"], "video/mp4")
        self.assertEqual(g["Metadata"], {"m": "v"})
        part2 = self.s3.get_object(Bucket=b, Key="big", PartNumber=2)
        self.assertEqual(part2["Body"].read(), p2)
        self.assertEqual(part2["PartsCount"], 2)
        self.assertEqual(part2["ResponseMetadata"]["HTTPStatusCode"], 206)
        ranged = self.s3.get_object(Bucket=b, Key="big", Range="bytes=%d-%d" % (len(p1) - 2, len(p1) + 1))
        self.assertEqual(ranged["Body"].read(), p1[-2:] + p2[:2])
        r = error(lambda: self.s3.upload_part(Bucket=b, Key="big", UploadId=up, PartNumber=3, Body=b"x"))
        self.assertEqual(r["Error"]["Code"], "NoSuchUpload")

    def test_multipart_small_parts_abort_and_copy(self):
        b = self.bucket("mpu-small")
        up = self.s3.create_multipart_upload(Bucket=b, Key="s")["UploadId"]
        e1 = self.s3.upload_part(Bucket=b, Key="s", UploadId=up, PartNumber=1, Body=b"a" * 100)["ETag"]
        e2 = self.s3.upload_part(Bucket=b, Key="s", UploadId=up, PartNumber=2, Body=b"b")["ETag"]
        r = error(lambda: self.s3.complete_multipart_upload(Bucket=b, Key="s", UploadId=up, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}))
        self.assertEqual(r["Error"]["Code"], "EntityTooSmall")
        self.assertEqual(r["Error"]["Message"], "Your proposed upload is smaller than the minimum allowed size")
        r = error(lambda: self.s3.upload_part(Bucket=b, Key="s", UploadId=up, PartNumber=10001, Body=b"x"))
        self.assertEqual(r["Error"]["Code"], "InvalidArgument")
        self.assertEqual(self.s3.abort_multipart_upload(Bucket=b, Key="s", UploadId=up)["ResponseMetadata"]["HTTPStatusCode"], 204)
        r = error(lambda: self.s3.abort_multipart_upload(Bucket=b, Key="s", UploadId=up))
        self.assertEqual(r["Error"]["Code"], "NoSuchUpload")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        # single-part upload via upload_part_copy with a range
        self.s3.put_object(Bucket=b, Key="source", Body=b"0123456789")
        up = self.s3.create_multipart_upload(Bucket=b, Key="copy")["UploadId"]
        c = self.s3.upload_part_copy(Bucket=b, Key="copy", UploadId=up, PartNumber=1, CopySource={"Bucket": b, "Key": "source"}, CopySourceRange="bytes=2-5")
        self.s3.complete_multipart_upload(Bucket=b, Key="copy", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": c["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="copy")["Body"].read(), b"2345")

    # --- AWS CLI ---
    def cli(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        return subprocess.run(["aws", "--endpoint-url", self.server.url] + list(args), env=env, capture_output=True, text=True, timeout=120)

    def test_aws_cli_s3_commands(self):
        tmp = tempfile.mkdtemp()
        try:
            self.assertEqual(self.cli("s3", "mb", "s3://cli-bucket").returncode, 0)
            big = os.path.join(tmp, "big.bin")
            data = os.urandom(9 * 1024 * 1024)  # above the CLI's 8 MiB multipart threshold
            with open(big, "wb") as f:
                f.write(data)
            r = self.cli("s3", "cp", big, "s3://cli-bucket/dir/big.bin")
            self.assertEqual(r.returncode, 0, r.stderr)
            etag = self.s3.head_object(Bucket="cli-bucket", Key="dir/big.bin")["ETag"]
            self.assertTrue(etag.endswith('-2"'), etag)
            out = os.path.join(tmp, "out.bin")
            r = self.cli("s3", "cp", "s3://cli-bucket/dir/big.bin", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data)
            r = self.cli("s3", "ls", "s3://cli-bucket/dir/")
            self.assertIn("big.bin", r.stdout)
            r = self.cli("s3api", "head-object", "--bucket", "cli-bucket", "--key", "nope")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("404", r.stderr)
            self.assertEqual(self.cli("s3", "rb", "s3://cli-bucket", "--force").returncode, 0)
            r = self.cli("s3api", "head-bucket", "--bucket", "cli-bucket")
            self.assertIn("404", r.stderr)
        finally:
            shutil.rmtree(tmp)


class S3VirtualHostTest(unittest.TestCase):
    def test_virtual_host_addressing(self):
        server = Server()
        import socket
        original = socket.getaddrinfo

        def resolve(host, *args, **kwargs):  # bucket.localhost without DNS set-up
            return original("127.0.0.1" if str(host).endswith(".localhost") else host, *args, **kwargs)

        socket.getaddrinfo = resolve
        try:
            s3 = boto3.client("s3", endpoint_url=server.url.replace("127.0.0.1", "localhost"), region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test",
                              config=botocore.config.Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}))
            s3.create_bucket(Bucket="vhost-bucket")
            s3.put_object(Bucket="vhost-bucket", Key="k/v", Body=b"virtual")
            self.assertEqual(s3.get_object(Bucket="vhost-bucket", Key="k/v")["Body"].read(), b"virtual")
            self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket="vhost-bucket")["Contents"]], ["k/v"])
            r = error(lambda: s3.get_object(Bucket="vhost-bucket", Key="missing"))
            self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        finally:
            socket.getaddrinfo = original
            server.stop()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class S3DurableTest(unittest.TestCase):
    def test_acknowledged_put_survives_kill9(self):
        data_dir = tempfile.mkdtemp()
        try:
            server = Server(data_dir=data_dir)
            s3 = client(server)
            s3.create_bucket(Bucket="durable")
            payload = os.urandom(300 * 1024)
            s3.put_object(Bucket="durable", Key="k", Body=payload)
            up = s3.create_multipart_upload(Bucket="durable", Key="mp")["UploadId"]
            etag = s3.upload_part(Bucket="durable", Key="mp", UploadId=up, PartNumber=1, Body=b"part")["ETag"]
            s3.complete_multipart_upload(Bucket="durable", Key="mp", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
            server.kill9()
            server = Server(data_dir=data_dir)
            try:
                s3 = client(server)
                self.assertEqual(s3.get_object(Bucket="durable", Key="k")["Body"].read(), payload)
                self.assertEqual(s3.get_object(Bucket="durable", Key="mp")["Body"].read(), b"part")
                self.assertEqual(s3.get_bucket_location(Bucket="durable")["LocationConstraint"], None)
            finally:
                server.stop()
        finally:
            shutil.rmtree(data_dir)

    def test_large_object_memory_stays_bounded(self):
        data_dir = tempfile.mkdtemp()
        server = Server(data_dir=data_dir)
        try:
            s3 = client(server)
            s3.create_bucket(Bucket="large")
            size = 200 * 1024 * 1024
            path = os.path.join(data_dir, "..", os.path.basename(data_dir) + ".src")
            with open(path, "wb") as f:
                block = os.urandom(1024 * 1024)
                for _ in range(size // len(block)):
                    f.write(block)
            baseline = rss_kib(server.process.pid)
            peak = [baseline]
            stop = threading.Event()

            def watch():
                while not stop.is_set():
                    peak[0] = max(peak[0], rss_kib(server.process.pid))
                    time.sleep(0.05)

            watcher = threading.Thread(target=watch)
            watcher.start()
            try:
                # one single 200 MiB PUT (no multipart), then a streamed GET
                s3.upload_file(path, "large", "single", Config=TransferConfig(multipart_threshold=1 << 40))
                body = s3.get_object(Bucket="large", Key="single")["Body"]
                got = 0
                digest = hashlib.md5()
                for chunk in iter(lambda: body.read(1 << 20), b""):
                    got += len(chunk)
                    digest.update(chunk)
            finally:
                stop.set()
                watcher.join()
                os.remove(path)
            self.assertEqual(got, size)
            self.assertEqual('"%s"' % digest.hexdigest(), s3.head_object(Bucket="large", Key="single")["ETag"])
            growth_mib = (peak[0] - baseline) / 1024
            print("\nlarge object: baseline RSS %.0f MiB, peak %.0f MiB, growth %.0f MiB" % (baseline / 1024, peak[0] / 1024, growth_mib))
            self.assertLess(growth_mib, 100)
        finally:
            server.stop()
            shutil.rmtree(data_dir)


if __name__ == "__main__":
    unittest.main()
