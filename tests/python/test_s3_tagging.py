"""S3 object and bucket tagging, and GetObjectAttributes, through boto3."""
import unittest

from gureum_server import Server
from test_s3 import client, error


class S3TaggingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.s3 = client(cls.server)
        cls.s3.create_bucket(Bucket="tags")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_object_tagging_round_trip(self):
        self.s3.put_object(Bucket="tags", Key="o", Body=b"x", Tagging="a=1&b=two%20words")
        r = self.s3.get_object_tagging(Bucket="tags", Key="o")
        self.assertEqual(r["TagSet"], [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}])
        self.assertEqual(self.s3.get_object(Bucket="tags", Key="o")["TagCount"], 2)
        self.s3.put_object_tagging(Bucket="tags", Key="o", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket="tags", Key="o")["TagSet"], [{"Key": "k", "Value": "v"}])
        self.s3.delete_object_tagging(Bucket="tags", Key="o")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tags", Key="o")["TagSet"], [])
        r = error(lambda: self.s3.get_object_tagging(Bucket="tags", Key="missing"))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        r = error(lambda: self.s3.put_object_tagging(Bucket="tags", Key="missing", Tagging={"TagSet": []}))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")

    def test_tag_limits(self):
        self.s3.put_object(Bucket="tags", Key="lim", Body=b"x")
        eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
        r = error(lambda: self.s3.put_object_tagging(Bucket="tags", Key="lim", Tagging={"TagSet": eleven}))
        self.assertEqual(r["Error"]["Code"], "BadRequest")
        self.assertEqual(r["Error"]["Message"], "Object tags cannot be greater than 10")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        r = error(lambda: self.s3.put_object(Bucket="tags", Key="lim2", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11))))
        self.assertEqual(r["Error"]["Code"], "BadRequest")
        r = error(lambda: self.s3.put_object_tagging(Bucket="tags", Key="lim", Tagging={"TagSet": [{"Key": "k" * 129, "Value": "v"}]}))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("InvalidTag", "The TagKey you have provided is too long, max 128"))
        r = error(lambda: self.s3.put_object_tagging(Bucket="tags", Key="lim", Tagging={"TagSet": [{"Key": "k", "Value": "v" * 257}]}))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("InvalidTag", "The TagValue you have provided is too long, max 256"))
        r = error(lambda: self.s3.put_object_tagging(Bucket="tags", Key="lim", Tagging={"TagSet": [{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}]}))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("InvalidTag", "Cannot provide multiple Tags with the same key"))
        ten = [{"Key": f"k{i}", "Value": "v"} for i in range(10)]
        self.s3.put_object_tagging(Bucket="tags", Key="lim", Tagging={"TagSet": ten})
        self.assertEqual(len(self.s3.get_object_tagging(Bucket="tags", Key="lim")["TagSet"]), 10)

    def test_copy_tagging_directive(self):
        self.s3.put_object(Bucket="tags", Key="src", Body=b"x", Tagging="from=src")
        self.s3.copy_object(Bucket="tags", Key="c1", CopySource="tags/src")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tags", Key="c1")["TagSet"], [{"Key": "from", "Value": "src"}])
        self.s3.copy_object(Bucket="tags", Key="c2", CopySource="tags/src", TaggingDirective="REPLACE", Tagging="new=yes")
        self.assertEqual(self.s3.get_object_tagging(Bucket="tags", Key="c2")["TagSet"], [{"Key": "new", "Value": "yes"}])

    def test_version_tagging(self):
        self.s3.create_bucket(Bucket="tags-ver")
        self.s3.put_bucket_versioning(Bucket="tags-ver", VersioningConfiguration={"Status": "Enabled"})
        v1 = self.s3.put_object(Bucket="tags-ver", Key="k", Body=b"1", Tagging="v=1")["VersionId"]
        v2 = self.s3.put_object(Bucket="tags-ver", Key="k", Body=b"2")["VersionId"]
        r = self.s3.put_object_tagging(Bucket="tags-ver", Key="k", VersionId=v1, Tagging={"TagSet": [{"Key": "old", "Value": "yes"}]})
        self.assertEqual(r["VersionId"], v1)
        self.assertEqual(self.s3.get_object_tagging(Bucket="tags-ver", Key="k", VersionId=v1)["TagSet"], [{"Key": "old", "Value": "yes"}])
        r = self.s3.get_object_tagging(Bucket="tags-ver", Key="k")
        self.assertEqual((r["VersionId"], r["TagSet"]), (v2, []))

    def test_bucket_tagging(self):
        self.s3.create_bucket(Bucket="tags-bucket")
        r = error(lambda: self.s3.get_bucket_tagging(Bucket="tags-bucket"))
        self.assertEqual((r["Error"]["Code"], r["Error"]["Message"]), ("NoSuchTagSet", "The TagSet does not exist"))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.s3.put_bucket_tagging(Bucket="tags-bucket", Tagging={"TagSet": [{"Key": "team", "Value": "s3"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="tags-bucket")["TagSet"], [{"Key": "team", "Value": "s3"}])
        r = error(lambda: self.s3.put_bucket_tagging(Bucket="tags-bucket", Tagging={"TagSet": [{"Key": "aws:x", "Value": "1"}]}))
        self.assertEqual(r["Error"]["Code"], "InvalidTag")
        self.s3.delete_bucket_tagging(Bucket="tags-bucket")
        r = error(lambda: self.s3.get_bucket_tagging(Bucket="tags-bucket"))
        self.assertEqual(r["Error"]["Code"], "NoSuchTagSet")

    def test_get_object_attributes(self):
        put = self.s3.put_object(Bucket="tags", Key="attrs", Body=b"hello", ChecksumAlgorithm="SHA256")
        r = self.s3.get_object_attributes(Bucket="tags", Key="attrs", ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "Checksum"])
        self.assertEqual(r["ETag"], put["ETag"].strip('"'))
        self.assertEqual(r["ObjectSize"], 5)
        self.assertEqual(r["StorageClass"], "STANDARD")
        self.assertEqual(r["Checksum"]["ChecksumSHA256"], put["ChecksumSHA256"])
        self.assertIn("LastModified", r)
        up = self.s3.create_multipart_upload(Bucket="tags", Key="mp")["UploadId"]
        parts = []
        for n, body in [(1, b"a" * (5 * 1024 * 1024)), (2, b"b" * 10)]:
            parts.append({"PartNumber": n, "ETag": self.s3.upload_part(Bucket="tags", Key="mp", UploadId=up, PartNumber=n, Body=body)["ETag"]})
        self.s3.complete_multipart_upload(Bucket="tags", Key="mp", UploadId=up, MultipartUpload={"Parts": parts})
        r = self.s3.get_object_attributes(Bucket="tags", Key="mp", ObjectAttributes=["ObjectParts"], MaxParts=1)
        self.assertEqual(r["ObjectParts"]["TotalPartsCount"], 2)
        self.assertTrue(r["ObjectParts"]["IsTruncated"])
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in r["ObjectParts"]["Parts"]], [(1, 5 * 1024 * 1024)])
        r = error(lambda: self.s3.get_object_attributes(Bucket="tags", Key="nope", ObjectAttributes=["ETag"]))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")


if __name__ == "__main__":
    unittest.main()
