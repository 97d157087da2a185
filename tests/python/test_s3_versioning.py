"""S3 versioning through boto3: configuration, version ids, delete markers, null versions, ListObjectVersions."""
import shutil
import tempfile
import unittest


from gureum_server import Server
from test_s3 import client, error


class S3VersioningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.s3 = client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def versioned(self, name, status="Enabled"):
        self.s3.create_bucket(Bucket=name)
        self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
        return name

    def test_configuration(self):
        b = "ver-config"
        self.s3.create_bucket(Bucket=b)
        r = self.s3.get_bucket_versioning(Bucket=b)
        self.assertNotIn("Status", r)
        self.assertNotIn("MFADelete", r)
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended", "MFADelete": "Disabled"})
        r = self.s3.get_bucket_versioning(Bucket=b)
        self.assertEqual(r["Status"], "Suspended")
        self.assertEqual(r["MFADelete"], "Disabled")
        r = error(lambda: self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Bogus"}))
        self.assertEqual(r["Error"]["Code"], "MalformedXML")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        r = error(lambda: self.s3.get_bucket_versioning(Bucket="ver-missing"))
        self.assertEqual(r["Error"]["Code"], "NoSuchBucket")

    def test_versions_and_delete_markers(self):
        b = self.versioned("ver-basic")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        r = self.s3.get_object(Bucket=b, Key="k")
        self.assertEqual(r["Body"].read(), b"two")
        self.assertEqual(r["VersionId"], v2)
        r = self.s3.get_object(Bucket=b, Key="k", VersionId=v1)
        self.assertEqual(r["Body"].read(), b"one")
        self.assertEqual(r["VersionId"], v1)
        self.assertEqual(self.s3.head_object(Bucket=b, Key="k", VersionId=v1)["ContentLength"], 3)

        d = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(d["DeleteMarker"])
        marker = d["VersionId"]
        self.assertEqual(d["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        r = error(lambda: self.s3.get_object(Bucket=b, Key="k"))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], marker)
        r = error(lambda: self.s3.get_object(Bucket=b, Key="k", VersionId=marker))
        self.assertEqual(r["Error"]["Code"], "MethodNotAllowed")
        self.assertEqual(r["Error"]["Message"], "The specified method is not allowed against this resource.")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 405)
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        r = error(lambda: self.s3.head_object(Bucket=b, Key="k", VersionId=marker))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 405)
        self.assertEqual(self.s3.list_objects_v2(Bucket=b)["KeyCount"], 0)
        r = error(lambda: self.s3.delete_bucket(Bucket=b))
        self.assertEqual(r["Error"]["Code"], "BucketNotEmpty")

        # Removing the delete marker brings v2 back.
        d = self.s3.delete_object(Bucket=b, Key="k", VersionId=marker)
        self.assertTrue(d["DeleteMarker"])
        self.assertEqual(d["VersionId"], marker)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        # Deleting the current version makes the previous one current.
        d = self.s3.delete_object(Bucket=b, Key="k", VersionId=v2)
        self.assertEqual(d["VersionId"], v2)
        self.assertNotIn("DeleteMarker", d)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"one")
        r = error(lambda: self.s3.get_object(Bucket=b, Key="k", VersionId=v2))
        self.assertEqual(r["Error"]["Code"], "NoSuchVersion")
        self.assertEqual(r["Error"]["Message"], "The specified version does not exist.")
        self.assertEqual(r["Error"]["VersionId"], v2)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.s3.delete_object(Bucket=b, Key="k", VersionId=v1)
        self.assertNotIn("Versions", self.s3.list_object_versions(Bucket=b))
        self.s3.delete_bucket(Bucket=b)

    def test_null_version_semantics(self):
        b = "ver-null"
        self.s3.create_bucket(Bucket=b)
        r = self.s3.put_object(Bucket=b, Key="k", Body=b"plain")
        self.assertNotIn("VersionId", r)
        self.assertNotIn("x-amz-version-id", self.s3.get_object(Bucket=b, Key="k")["ResponseMetadata"]["HTTPHeaders"])
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["VersionId"], "null")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"v1")["VersionId"]
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read(), b"plain")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.s3.put_object(Bucket=b, Key="k", Body=b"s1")
        self.s3.put_object(Bucket=b, Key="k", Body=b"s2")  # overwrites the null version
        versions = self.s3.list_object_versions(Bucket=b)["Versions"]
        self.assertEqual([(v["VersionId"], v["IsLatest"]) for v in versions], [("null", True), (v1, False)])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read(), b"s2")
        d = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(d["DeleteMarker"])
        self.assertEqual(d["VersionId"], "null")
        r = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in r["DeleteMarkers"]], [("null", True)])
        self.assertEqual([(v["VersionId"], v["IsLatest"]) for v in r["Versions"]], [(v1, False)])

    def test_copy_and_multipart_get_version_ids(self):
        b = self.versioned("ver-copy")
        v1 = self.s3.put_object(Bucket=b, Key="src", Body=b"first")["VersionId"]
        self.s3.put_object(Bucket=b, Key="src", Body=b"second")
        c = self.s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
        self.assertEqual(c["CopySourceVersionId"], v1)
        self.assertIn("VersionId", c)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="dst", VersionId=c["VersionId"])["Body"].read(), b"first")
        marker = self.s3.delete_object(Bucket=b, Key="src")["VersionId"]
        r = error(lambda: self.s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src"}))
        self.assertEqual(r["Error"]["Code"], "NoSuchKey")
        r = error(lambda: self.s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src", "VersionId": marker}))
        self.assertEqual(r["Error"]["Code"], "InvalidRequest")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
        etag = self.s3.upload_part(Bucket=b, Key="mp", UploadId=up, PartNumber=1, Body=b"x" * 10)["ETag"]
        done = self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up,
                                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertEqual(done["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], done["VersionId"])
        self.assertEqual(self.s3.head_object(Bucket=b, Key="mp")["VersionId"], done["VersionId"])

    def test_list_object_versions_pagination_and_delimiter(self):
        b = self.versioned("ver-list")
        ids = {}
        for key in ["a", "b", "dir/x", "dir/y"]:
            ids[key] = [self.s3.put_object(Bucket=b, Key=key, Body=key.encode())["VersionId"] for _ in range(2)]
        marker = self.s3.delete_object(Bucket=b, Key="b")["VersionId"]
        r = self.s3.list_object_versions(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["dir/"])
        self.assertEqual([(v["Key"], v["VersionId"], v["IsLatest"]) for v in r["Versions"]],
                         [("a", ids["a"][1], True), ("a", ids["a"][0], False), ("b", ids["b"][1], False), ("b", ids["b"][0], False)])
        self.assertEqual([(m["Key"], m["VersionId"], m["IsLatest"]) for m in r["DeleteMarkers"]], [("b", marker, True)])
        self.assertFalse(r["IsTruncated"])

        seen = []
        kwargs = {"Bucket": b, "MaxKeys": 3}
        while True:
            page = self.s3.list_object_versions(**kwargs)
            items = [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])] + \
                    [(m["Key"], m["VersionId"]) for m in page.get("DeleteMarkers", [])]
            self.assertLessEqual(len(items), 3)
            seen += items
            if not page["IsTruncated"]:
                break
            kwargs["KeyMarker"] = page["NextKeyMarker"]
            kwargs["VersionIdMarker"] = page["NextVersionIdMarker"]
        self.assertEqual(len(seen), 9)
        self.assertEqual(len(set(seen)), 9)

        r = self.s3.list_object_versions(Bucket=b, Prefix="dir/", KeyMarker="dir/x")
        self.assertEqual([v["VersionId"] for v in r["Versions"]], [ids["dir/y"][1], ids["dir/y"][0]])
        r = self.s3.list_object_versions(Bucket=b, KeyMarker="a", VersionIdMarker=ids["a"][1], MaxKeys=1)
        self.assertEqual([(v["Key"], v["VersionId"], v["IsLatest"]) for v in r["Versions"]], [("a", ids["a"][0], False)])
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextKeyMarker"], "a")
        self.assertEqual(r["NextVersionIdMarker"], ids["a"][0])

    def test_delete_objects_with_versions(self):
        b = self.versioned("ver-multi")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"1")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"2")["VersionId"]
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": v1}, {"Key": "other"}]})
        deleted = {d["Key"]: d for d in r["Deleted"]}
        self.assertEqual(deleted["k"]["VersionId"], v1)
        self.assertTrue(deleted["other"]["DeleteMarker"])
        self.assertIn("DeleteMarkerVersionId", deleted["other"])
        versions = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["VersionId"] for v in versions["Versions"]], [v2])
        self.assertEqual([m["Key"] for m in versions["DeleteMarkers"]], ["other"])
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k", "VersionId": v2},
                                                                 {"Key": "other", "VersionId": deleted["other"]["DeleteMarkerVersionId"]}]})
        self.assertEqual(len(r["Deleted"]), 2)
        self.assertNotIn("Versions", self.s3.list_object_versions(Bucket=b))
        self.assertNotIn("DeleteMarkers", self.s3.list_object_versions(Bucket=b))


class S3VersioningDurabilityTest(unittest.TestCase):
    def test_versions_survive_sigkill(self):
        data = tempfile.mkdtemp()
        try:
            server = Server(data_dir=data)
            s3 = client(server)
            s3.create_bucket(Bucket="ver-durable")
            s3.put_bucket_versioning(Bucket="ver-durable", VersioningConfiguration={"Status": "Enabled"})
            v1 = s3.put_object(Bucket="ver-durable", Key="k", Body=b"one")["VersionId"]
            marker = s3.delete_object(Bucket="ver-durable", Key="k")["VersionId"]
            server.kill9()
            server = Server(data_dir=data)
            s3 = client(server)
            self.assertEqual(s3.get_bucket_versioning(Bucket="ver-durable")["Status"], "Enabled")
            r = s3.list_object_versions(Bucket="ver-durable")
            self.assertEqual([v["VersionId"] for v in r["Versions"]], [v1])
            self.assertEqual([m["VersionId"] for m in r["DeleteMarkers"]], [marker])
            self.assertEqual(s3.get_object(Bucket="ver-durable", Key="k", VersionId=v1)["Body"].read(), b"one")
            server.stop()
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
