"""KMS through boto3 and the AWS CLI: keys, aliases, tags, policies, rotation, real cryptography (public keys
and signatures checked with the `cryptography` package and openssl), AWS's errors, and durability."""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: F401 (proves the package is usable)

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})
ACCOUNT = "000000000000"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def kms_client(url, region="us-east-1", key="test"):
    return boto3.client("kms", endpoint_url=url, region_name=region, config=CONFIG,
                        aws_access_key_id=key, aws_secret_access_key="test")


class KmsTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.kms = kms_client(cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assertError(self, ctx, code, message=None, status=400):
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message)

    def create(self, **kwargs):
        return self.kms.create_key(**kwargs)["KeyMetadata"]


class TestKeys(KmsTestBase):
    def test_create_symmetric_key_metadata(self):
        md = self.create(Description="my key", Tags=[{"TagKey": "team", "TagValue": "blue"}])
        self.assertRegex(md["KeyId"], UUID)
        self.assertEqual(md["Arn"], f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{md['KeyId']}")
        self.assertEqual(md["AWSAccountId"], ACCOUNT)
        self.assertEqual(md["Description"], "my key")
        self.assertTrue(md["Enabled"])
        self.assertEqual(md["KeyState"], "Enabled")
        self.assertEqual(md["KeyUsage"], "ENCRYPT_DECRYPT")
        self.assertEqual(md["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["CustomerMasterKeySpec"], "SYMMETRIC_DEFAULT")
        self.assertEqual(md["Origin"], "AWS_KMS")
        self.assertEqual(md["KeyManager"], "CUSTOMER")
        self.assertEqual(md["EncryptionAlgorithms"], ["SYMMETRIC_DEFAULT"])
        self.assertFalse(md["MultiRegion"])
        self.assertNotIn("SigningAlgorithms", md)
        described = self.kms.describe_key(KeyId=md["Arn"])["KeyMetadata"]
        self.assertEqual(described["KeyId"], md["KeyId"])
        self.assertEqual(described["CreationDate"], md["CreationDate"])
        tags = self.kms.list_resource_tags(KeyId=md["KeyId"])
        self.assertEqual(tags["Tags"], [{"TagKey": "team", "TagValue": "blue"}])
        self.assertFalse(tags["Truncated"])

    def test_key_specs_and_algorithms(self):
        cases = {
            ("RSA_2048", "ENCRYPT_DECRYPT"): ("EncryptionAlgorithms", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]),
            ("RSA_3072", "SIGN_VERIFY"): ("SigningAlgorithms", [
                "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]),
            ("ECC_NIST_P256", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_256"]),
            ("ECC_NIST_P384", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_384"]),
            ("ECC_NIST_P521", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_512"]),
            ("ECC_SECG_P256K1", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_256"]),
            ("HMAC_224", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", ["HMAC_SHA_224"]),
            ("HMAC_512", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", ["HMAC_SHA_512"]),
        }
        for (spec, usage), (field, algorithms) in cases.items():
            with self.subTest(spec=spec):
                md = self.create(KeySpec=spec, KeyUsage=usage)
                self.assertEqual(md["KeySpec"], spec)
                self.assertEqual(md["KeyUsage"], usage)
                self.assertEqual(md[field], algorithms)

    def test_key_usage_must_match_spec(self):
        for spec, usage in [("HMAC_224", "ENCRYPT_DECRYPT"), ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
                            ("ECC_NIST_P256", None), ("RSA_2048", "GENERATE_VERIFY_MAC")]:
            with self.subTest(spec=spec, usage=usage):
                kwargs = {"KeySpec": spec}
                if usage:
                    kwargs["KeyUsage"] = usage
                with self.assertRaises(ClientError) as ctx:
                    self.kms.create_key(**kwargs)
                self.assertError(ctx, "ValidationException",
                                 f"KeyUsage {usage or 'ENCRYPT_DECRYPT'} is not compatible with KeySpec {spec}")

    def test_unknown_key_spec_is_a_validation_error(self):
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_key(KeySpec="RSA_1024")
        self.assertError(ctx, "ValidationException")
        self.assertIn("Member must satisfy enum value set", ctx.exception.response["Error"]["Message"])

    def test_default_policy_and_put_policy(self):
        md = self.create()
        policy = self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")
        doc = json.loads(policy["Policy"])
        self.assertEqual(doc["Id"], "key-default-1")
        self.assertEqual(doc["Statement"][0]["Principal"], {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
        self.assertEqual(doc["Statement"][0]["Action"], "kms:*")
        self.assertEqual(self.kms.list_key_policies(KeyId=md["KeyId"])["PolicyNames"], ["default"])
        new = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}]})
        self.kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy=new)
        self.assertEqual(self.kms.get_key_policy(KeyId=md["KeyId"])["Policy"], new)
        with self.assertRaises(ClientError) as ctx:
            self.kms.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy="{not json")
        self.assertError(ctx, "MalformedPolicyDocumentException")

    def test_create_key_with_policy_and_multi_region(self):
        policy = json.dumps({"Version": "2012-10-17", "Statement": []})
        md = self.create(Policy=policy, MultiRegion=True)
        self.assertRegex(md["KeyId"], r"^mrk-[0-9a-f]{32}$")
        self.assertTrue(md["MultiRegion"])
        self.assertEqual(md["MultiRegionConfiguration"], {
            "MultiRegionKeyType": "PRIMARY", "PrimaryKey": {"Arn": md["Arn"], "Region": "us-east-1"}, "ReplicaKeys": []})
        self.assertEqual(self.kms.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"], policy)

    def test_list_keys_paginates(self):
        kms = kms_client(self.server.url, region="eu-west-3")
        ids = sorted(kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(5))
        page = kms.list_keys(Limit=2)
        self.assertTrue(page["Truncated"])
        self.assertEqual(len(page["Keys"]), 2)
        seen = [k["KeyId"] for k in page["Keys"]]
        while page["Truncated"]:
            page = kms.list_keys(Limit=2, Marker=page["NextMarker"])
            seen += [k["KeyId"] for k in page["Keys"]]
        self.assertEqual(sorted(seen), ids)
        self.assertNotIn("NextMarker", page)
        key = kms.list_keys()["Keys"][0]
        self.assertEqual(key["KeyArn"], f"arn:aws:kms:eu-west-3:{ACCOUNT}:key/{key['KeyId']}")
        # keys are scoped by region and account
        other = kms_client(self.server.url, region="eu-west-3", key="111122223333")
        self.assertEqual(other.list_keys()["Keys"], [])

    def test_not_found_messages(self):
        missing = "11111111-2222-3333-4444-555555555555"
        with self.assertRaises(ClientError) as ctx:
            self.kms.describe_key(KeyId=missing)
        self.assertError(ctx, "NotFoundException", f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' does not exist")
        with self.assertRaises(ClientError) as ctx:
            self.kms.describe_key(KeyId="alias/nothing-here")
        self.assertError(ctx, "NotFoundException", f"Alias 'arn:aws:kms:us-east-1:{ACCOUNT}:alias/nothing-here' is not found.")

    def test_disable_enable(self):
        md = self.create()
        self.kms.disable_key(KeyId=md["KeyId"])
        described = self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
        self.assertEqual(described["KeyState"], "Disabled")
        self.assertFalse(described["Enabled"])
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
        self.assertError(ctx, "DisabledException", f"{md['Arn']} is disabled.")
        self.kms.enable_key(KeyId=md["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyState"], "Enabled")
        self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")

    def test_schedule_and_cancel_deletion(self):
        md = self.create()
        for days in (6, 31):
            with self.assertRaises(ClientError) as ctx:
                self.kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=days)
            self.assertError(ctx, "ValidationException")
            self.assertIn(f"Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint", ctx.exception.response["Error"]["Message"])
        resp = self.kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
        self.assertEqual(resp["KeyId"], md["Arn"])
        self.assertEqual(resp["KeyState"], "PendingDeletion")
        self.assertEqual(resp["PendingWindowInDays"], 7)
        delta = resp["DeletionDate"] - md["CreationDate"]
        self.assertAlmostEqual(delta.total_seconds(), 7 * 86400, delta=120)
        described = self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
        self.assertEqual(described["KeyState"], "PendingDeletion")
        self.assertEqual(described["DeletionDate"], resp["DeletionDate"])
        self.assertEqual(described["PendingDeletionWindowInDays"], 7)
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
        self.assertError(ctx, "KMSInvalidStateException", f"{md['Arn']} is pending deletion.")
        with self.assertRaises(ClientError) as ctx:
            self.kms.enable_key(KeyId=md["KeyId"])
        self.assertError(ctx, "KMSInvalidStateException", f"{md['Arn']} is pending deletion.")
        self.assertEqual(self.kms.cancel_key_deletion(KeyId=md["KeyId"])["KeyId"], md["Arn"])
        described = self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]
        self.assertEqual(described["KeyState"], "Disabled")
        self.assertNotIn("DeletionDate", described)

    def test_tags(self):
        md = self.create()
        self.kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "1"}])
        self.kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "a", "TagValue": "one"}])
        self.assertEqual(self.kms.list_resource_tags(KeyId=md["KeyId"])["Tags"],
                         [{"TagKey": "a", "TagValue": "one"}, {"TagKey": "b", "TagValue": "2"}])
        self.kms.untag_resource(KeyId=md["KeyId"], TagKeys=["a"])
        self.assertEqual(self.kms.list_resource_tags(KeyId=md["KeyId"])["Tags"], [{"TagKey": "b", "TagValue": "2"}])
        with self.assertRaises(ClientError) as ctx:
            self.kms.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "aws:x", "TagValue": "1"}])
        self.assertError(ctx, "TagException")

    def test_update_description(self):
        md = self.create(Description="old")
        self.kms.update_key_description(KeyId=md["KeyId"], Description="new")
        self.assertEqual(self.kms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"], "new")


class TestAliases(KmsTestBase):
    def test_alias_lifecycle_and_every_key_id_form(self):
        md = self.create()
        other = self.create()
        self.kms.create_alias(AliasName="alias/app-key", TargetKeyId=md["KeyId"])
        alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app-key"
        for key_id in (md["KeyId"], md["Arn"], "alias/app-key", alias_arn):
            with self.subTest(key_id=key_id):
                self.assertEqual(self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"], md["KeyId"])
                blob = self.kms.encrypt(KeyId=key_id, Plaintext=b"hello")["CiphertextBlob"]
                self.assertEqual(self.kms.decrypt(CiphertextBlob=blob)["Plaintext"], b"hello")
        aliases = self.kms.list_aliases(KeyId=md["KeyId"])["Aliases"]
        self.assertEqual(len(aliases), 1)
        self.assertEqual(aliases[0]["AliasName"], "alias/app-key")
        self.assertEqual(aliases[0]["AliasArn"], alias_arn)
        self.assertEqual(aliases[0]["TargetKeyId"], md["KeyId"])
        self.assertIn("CreationDate", aliases[0])
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_alias(AliasName="alias/app-key", TargetKeyId=other["KeyId"])
        self.assertError(ctx, "AlreadyExistsException", f"An alias with the name {alias_arn} already exists")
        self.kms.update_alias(AliasName="alias/app-key", TargetKeyId=other["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId="alias/app-key")["KeyMetadata"]["KeyId"], other["KeyId"])
        self.assertEqual(self.kms.list_aliases(KeyId=md["KeyId"])["Aliases"], [])
        self.kms.delete_alias(AliasName="alias/app-key")
        with self.assertRaises(ClientError) as ctx:
            self.kms.delete_alias(AliasName="alias/app-key")
        self.assertError(ctx, "NotFoundException", f"Alias '{alias_arn}' is not found.")

    def test_alias_name_rules(self):
        md = self.create()
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_alias(AliasName="noprefix", TargetKeyId=md["KeyId"])
        self.assertError(ctx, "ValidationException")
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=md["KeyId"])
        self.assertError(ctx, "NotAuthorizedException")
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_alias(AliasName="alias/bad name!", TargetKeyId=md["KeyId"])
        self.assertError(ctx, "ValidationException",
                         "1 validation error detected: Value 'alias/bad name!' at 'aliasName' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
        self.kms.create_alias(AliasName="alias/first", TargetKeyId=md["KeyId"])
        with self.assertRaises(ClientError) as ctx:
            self.kms.create_alias(AliasName="alias/second", TargetKeyId="alias/first")
        self.assertError(ctx, "ValidationException", "Aliases must refer to keys. Not aliases")


class TestCrypto(KmsTestBase):
    def test_encrypt_decrypt_with_context(self):
        md = self.create()
        ctx_ = {"purpose": "test", "tenant": "a"}
        enc = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"secret data", EncryptionContext=ctx_)
        self.assertEqual(enc["KeyId"], md["Arn"])
        self.assertEqual(enc["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertNotIn(b"secret data", enc["CiphertextBlob"])
        dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx_)
        self.assertEqual(dec["Plaintext"], b"secret data")
        self.assertEqual(dec["KeyId"], md["Arn"])
        self.assertEqual(dec["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        for wrong in ({}, {"purpose": "test"}, {"purpose": "test", "tenant": "b"}):
            with self.subTest(context=wrong), self.assertRaises(ClientError) as ctx:
                self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=wrong)
            self.assertError(ctx, "InvalidCiphertextException")
        tampered = bytearray(enc["CiphertextBlob"])
        tampered[-1] ^= 1
        with self.assertRaises(ClientError) as ctx:
            self.kms.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext=ctx_)
        self.assertError(ctx, "InvalidCiphertextException")
        with self.assertRaises(ClientError) as ctx:
            self.kms.decrypt(CiphertextBlob=b"garbage-garbage-garbage")
        self.assertError(ctx, "InvalidCiphertextException")

    def test_plaintext_limit(self):
        md = self.create()
        self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 4096)
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x" * 4097)
        self.assertError(ctx, "ValidationException",
                         "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                         "Member must have length less than or equal to 4096")

    def test_decrypt_with_wrong_key_id(self):
        a, b = self.create(), self.create()
        blob = self.kms.encrypt(KeyId=a["KeyId"], Plaintext=b"x")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=blob, KeyId=a["Arn"])["Plaintext"], b"x")
        with self.assertRaises(ClientError) as ctx:
            self.kms.decrypt(CiphertextBlob=blob, KeyId=b["KeyId"])
        self.assertError(ctx, "IncorrectKeyException",
                         "The key ID in the request does not identify a CMK that can perform this operation.")

    def test_wrong_key_usage(self):
        sign = self.create(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=sign["KeyId"], Plaintext=b"x")
        self.assertError(ctx, "InvalidKeyUsageException", f"{sign['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.")
        sym = self.create()
        with self.assertRaises(ClientError) as ctx:
            self.kms.sign(KeyId=sym["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
        self.assertError(ctx, "InvalidKeyUsageException", f"{sym['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for Sign.")
        with self.assertRaises(ClientError) as ctx:
            self.kms.generate_mac(KeyId=sym["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
        self.assertError(ctx, "InvalidKeyUsageException")

    def test_rsa_encryption(self):
        md = self.create(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
        pub = serialization.load_der_public_key(self.kms.get_public_key(KeyId=md["KeyId"])["PublicKey"])
        for alg, h in (("RSAES_OAEP_SHA_1", hashes.SHA1()), ("RSAES_OAEP_SHA_256", hashes.SHA256())):
            with self.subTest(alg=alg):
                enc = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"rsa secret", EncryptionAlgorithm=alg)
                self.assertEqual(enc["EncryptionAlgorithm"], alg)
                self.assertEqual(len(enc["CiphertextBlob"]), 256)
                dec = self.kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], KeyId=md["KeyId"], EncryptionAlgorithm=alg)
                self.assertEqual(dec["Plaintext"], b"rsa secret")
                # a ciphertext made outside Gureum with the public key decrypts inside
                outside = pub.encrypt(b"from outside", padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
                self.assertEqual(self.kms.decrypt(CiphertextBlob=outside, KeyId=md["KeyId"], EncryptionAlgorithm=alg)["Plaintext"], b"from outside")
        with self.assertRaises(ClientError) as ctx:
            self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
        self.assertError(ctx, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")

    def test_reencrypt(self):
        a, b = self.create(), self.create()
        blob = self.kms.encrypt(KeyId=a["KeyId"], Plaintext=b"move me", EncryptionContext={"k": "1"})["CiphertextBlob"]
        re_ = self.kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext={"k": "1"},
                                  DestinationKeyId=b["KeyId"], DestinationEncryptionContext={"k": "2"})
        self.assertEqual(re_["SourceKeyId"], a["Arn"])
        self.assertEqual(re_["KeyId"], b["Arn"])
        self.assertEqual(re_["SourceEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        self.assertEqual(re_["DestinationEncryptionAlgorithm"], "SYMMETRIC_DEFAULT")
        dec = self.kms.decrypt(CiphertextBlob=re_["CiphertextBlob"], EncryptionContext={"k": "2"})
        self.assertEqual(dec["Plaintext"], b"move me")
        self.assertEqual(dec["KeyId"], b["Arn"])

    def test_generate_data_key(self):
        md = self.create()
        for kwargs, length in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16), ({"NumberOfBytes": 64}, 64)):
            with self.subTest(**kwargs):
                dk = self.kms.generate_data_key(KeyId=md["KeyId"], EncryptionContext={"a": "b"}, **kwargs)
                self.assertEqual(len(dk["Plaintext"]), length)
                self.assertEqual(dk["KeyId"], md["Arn"])
                dec = self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext={"a": "b"})
                self.assertEqual(dec["Plaintext"], dk["Plaintext"])
        wp = self.kms.generate_data_key_without_plaintext(KeyId=md["KeyId"], KeySpec="AES_256")
        self.assertNotIn("Plaintext", wp)
        self.assertEqual(len(self.kms.decrypt(CiphertextBlob=wp["CiphertextBlob"])["Plaintext"]), 32)
        for kwargs in ({}, {"KeySpec": "AES_256", "NumberOfBytes": 32}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ClientError) as ctx:
                self.kms.generate_data_key(KeyId=md["KeyId"], **kwargs)
            self.assertError(ctx, "ValidationException", "Please specify either number of bytes or key spec.")

    def test_generate_data_key_pair(self):
        md = self.create()
        pair = self.kms.generate_data_key_pair(KeyId=md["KeyId"], KeyPairSpec="ECC_NIST_P256")
        self.assertEqual(pair["KeyPairSpec"], "ECC_NIST_P256")
        private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
        public = serialization.load_der_public_key(pair["PublicKey"])
        self.assertEqual(private.public_key().public_numbers(), public.public_numbers())
        dec = self.kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])
        self.assertEqual(dec["Plaintext"], pair["PrivateKeyPlaintext"])
        wp = self.kms.generate_data_key_pair_without_plaintext(KeyId=md["KeyId"], KeyPairSpec="RSA_2048")
        self.assertNotIn("PrivateKeyPlaintext", wp)
        private = serialization.load_der_private_key(self.kms.decrypt(CiphertextBlob=wp["PrivateKeyCiphertextBlob"])["Plaintext"], password=None)
        self.assertEqual(private.key_size, 2048)
        self.assertEqual(private.public_key().public_numbers(), serialization.load_der_public_key(wp["PublicKey"]).public_numbers())

    def test_generate_random(self):
        self.assertEqual(len(self.kms.generate_random(NumberOfBytes=1024)["Plaintext"]), 1024)
        self.assertNotEqual(self.kms.generate_random(NumberOfBytes=32)["Plaintext"], self.kms.generate_random(NumberOfBytes=32)["Plaintext"])
        with self.assertRaises(ClientError) as ctx:
            self.kms.generate_random(NumberOfBytes=1025)
        self.assertError(ctx, "ValidationException",
                         "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: "
                         "Member must have value less than or equal to 1024")

    def test_sign_verify_rsa_and_ecdsa_verified_outside(self):
        cases = [
            ("RSA_2048", "RSASSA_PSS_SHA_256", lambda pub, sig, msg: pub.verify(sig, msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())),
            ("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_384", lambda pub, sig, msg: pub.verify(sig, msg, padding.PKCS1v15(), hashes.SHA384())),
            ("RSA_4096", "RSASSA_PSS_SHA_512", lambda pub, sig, msg: pub.verify(sig, msg, padding.PSS(padding.MGF1(hashes.SHA512()), 64), hashes.SHA512())),
            ("ECC_NIST_P256", "ECDSA_SHA_256", lambda pub, sig, msg: pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))),
            ("ECC_NIST_P384", "ECDSA_SHA_384", lambda pub, sig, msg: pub.verify(sig, msg, ec.ECDSA(hashes.SHA384()))),
            ("ECC_NIST_P521", "ECDSA_SHA_512", lambda pub, sig, msg: pub.verify(sig, msg, ec.ECDSA(hashes.SHA512()))),
            ("ECC_SECG_P256K1", "ECDSA_SHA_256", lambda pub, sig, msg: pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))),
        ]
        msg = b"the message to sign"
        for spec, alg, verify in cases:
            with self.subTest(spec=spec, alg=alg):
                md = self.create(KeySpec=spec, KeyUsage="SIGN_VERIFY")
                pk = self.kms.get_public_key(KeyId=md["KeyId"])
                self.assertEqual(pk["KeySpec"], spec)
                self.assertEqual(pk["KeyUsage"], "SIGN_VERIFY")
                self.assertEqual(pk["KeyId"], md["Arn"])
                pub = serialization.load_der_public_key(pk["PublicKey"])
                signed = self.kms.sign(KeyId=md["KeyId"], Message=msg, SigningAlgorithm=alg)
                self.assertEqual(signed["SigningAlgorithm"], alg)
                verify(pub, signed["Signature"], msg)  # raises when invalid
                ok = self.kms.verify(KeyId=md["KeyId"], Message=msg, Signature=signed["Signature"], SigningAlgorithm=alg)
                self.assertTrue(ok["SignatureValid"])
                digest = hashlib.new("sha" + alg[-3:], msg).digest()
                signed_digest = self.kms.sign(KeyId=md["KeyId"], Message=digest, MessageType="DIGEST", SigningAlgorithm=alg)
                verify(pub, signed_digest["Signature"], msg)
                with self.assertRaises(ClientError) as ctx:
                    self.kms.verify(KeyId=md["KeyId"], Message=b"another message", Signature=signed["Signature"], SigningAlgorithm=alg)
                self.assertError(ctx, "KMSInvalidSignatureException")
        md = self.create(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        with self.assertRaises(ClientError) as ctx:
            self.kms.sign(KeyId=md["KeyId"], Message=b"short", MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
        self.assertError(ctx, "ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256.")
        with self.assertRaises(ClientError) as ctx:
            self.kms.sign(KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")
        self.assertError(ctx, "InvalidKeyUsageException", "Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec ECC_NIST_P256.")

    def test_public_key_verifies_with_openssl(self):
        md = self.create(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
        der = self.kms.get_public_key(KeyId=md["KeyId"])["PublicKey"]
        sig = self.kms.sign(KeyId=md["KeyId"], Message=b"openssl checks this", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        with tempfile.TemporaryDirectory() as d:
            for name, data in (("pub.der", der), ("sig.bin", sig), ("msg.txt", b"openssl checks this")):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            out = subprocess.run(["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify", "pub.der", "-signature", "sig.bin", "msg.txt"],
                                 cwd=d, capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("Verified OK", out.stdout)

    def test_get_public_key_of_symmetric_key(self):
        md = self.create()
        with self.assertRaises(ClientError) as ctx:
            self.kms.get_public_key(KeyId=md["KeyId"])
        self.assertError(ctx, "UnsupportedOperationException")

    def test_hmac(self):
        msg = b"mac me"
        for spec, digest in (("HMAC_224", "sha224"), ("HMAC_256", "sha256"), ("HMAC_384", "sha384"), ("HMAC_512", "sha512")):
            with self.subTest(spec=spec):
                md = self.create(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
                alg = "HMAC_SHA_" + spec[5:]
                mac = self.kms.generate_mac(KeyId=md["KeyId"], Message=msg, MacAlgorithm=alg)
                self.assertEqual(mac["MacAlgorithm"], alg)
                self.assertEqual(mac["KeyId"], md["Arn"])
                self.assertEqual(len(mac["Mac"]), hashlib.new(digest).digest_size)
                ok = self.kms.verify_mac(KeyId=md["KeyId"], Message=msg, Mac=mac["Mac"], MacAlgorithm=alg)
                self.assertTrue(ok["MacValid"])
                with self.assertRaises(ClientError) as ctx:
                    self.kms.verify_mac(KeyId=md["KeyId"], Message=b"other", Mac=mac["Mac"], MacAlgorithm=alg)
                self.assertError(ctx, "KMSInvalidMacException")
        self.assertEqual(len(self.kms.generate_mac(KeyId=md["KeyId"], Message=msg, MacAlgorithm="HMAC_SHA_512")["Mac"]), 64)
        with self.assertRaises(ClientError) as ctx:
            self.kms.generate_mac(KeyId=md["KeyId"], Message=msg, MacAlgorithm="HMAC_SHA_256")
        self.assertError(ctx, "InvalidKeyUsageException", "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_512.")


class TestRotation(KmsTestBase):
    def test_rotation_settings(self):
        md = self.create()
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertFalse(status["KeyRotationEnabled"])
        self.kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=90)
        status = self.kms.get_key_rotation_status(KeyId=md["KeyId"])
        self.assertTrue(status["KeyRotationEnabled"])
        self.assertEqual(status["RotationPeriodInDays"], 90)
        self.assertAlmostEqual((status["NextRotationDate"] - md["CreationDate"]).total_seconds(), 90 * 86400, delta=120)
        unchecked = boto3.client("kms", endpoint_url=self.server.url, region_name="us-east-1",
                                 config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False),
                                 aws_access_key_id="test", aws_secret_access_key="test")
        for days, bound in ((89, "greater than or equal to 90"), (2561, "less than or equal to 2560")):
            with self.subTest(days=days):
                with self.assertRaises(ClientError) as ctx:
                    unchecked.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=days)
                self.assertError(ctx, "ValidationException",
                                 f"1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy "
                                 f"constraint: Member must have value {bound}")
        self.kms.disable_key_rotation(KeyId=md["KeyId"])
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=md["KeyId"])["KeyRotationEnabled"])
        rsa = self.create(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
        with self.assertRaises(ClientError) as ctx:
            self.kms.enable_key_rotation(KeyId=rsa["KeyId"])
        self.assertError(ctx, "UnsupportedOperationException")

    def test_rotate_on_demand_keeps_old_ciphertexts(self):
        md = self.create()
        before = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"before rotation")["CiphertextBlob"]
        self.assertEqual(self.kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"], [])
        self.assertEqual(self.kms.rotate_key_on_demand(KeyId=md["KeyId"])["KeyId"], md["KeyId"])
        rotations = self.kms.list_key_rotations(KeyId=md["KeyId"])["Rotations"]
        self.assertEqual(len(rotations), 1)
        self.assertEqual(rotations[0]["RotationType"], "ON_DEMAND")
        self.assertEqual(rotations[0]["KeyId"], md["KeyId"])
        self.assertIn("RotationDate", rotations[0])
        after = self.kms.encrypt(KeyId=md["KeyId"], Plaintext=b"after rotation")["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=before)["Plaintext"], b"before rotation")
        self.assertEqual(self.kms.decrypt(CiphertextBlob=after)["Plaintext"], b"after rotation")
        d1 = self.kms.decrypt(CiphertextBlob=before)["KeyMaterialId"]
        d2 = self.kms.decrypt(CiphertextBlob=after)["KeyMaterialId"]
        self.assertNotEqual(d1, d2)
        self.assertEqual(d2, rotations[0]["KeyMaterialId"])


class TestCli(KmsTestBase):
    def cli(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        out = subprocess.run(["aws", "--endpoint-url", self.server.url, "kms", *args, "--output", "json"],
                             capture_output=True, text=True, env=env)
        return out

    def test_cli_round_trip(self):
        out = self.cli("create-key", "--description", "cli key")
        self.assertEqual(out.returncode, 0, out.stderr)
        md = json.loads(out.stdout)["KeyMetadata"]
        self.assertEqual(md["Description"], "cli key")
        out = self.cli("create-alias", "--alias-name", "alias/cli", "--target-key-id", md["KeyId"])
        self.assertEqual(out.returncode, 0, out.stderr)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "plain"), "wb") as f:
                f.write(b"cli secret")
            out = self.cli("encrypt", "--key-id", "alias/cli", "--plaintext", "fileb://" + os.path.join(d, "plain"))
            self.assertEqual(out.returncode, 0, out.stderr)
            with open(os.path.join(d, "blob"), "wb") as f:
                f.write(base64.b64decode(json.loads(out.stdout)["CiphertextBlob"]))
            out = self.cli("decrypt", "--ciphertext-blob", "fileb://" + os.path.join(d, "blob"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(base64.b64decode(json.loads(out.stdout)["Plaintext"]), b"cli secret")
        out = self.cli("describe-key", "--key-id", "alias/missing")
        self.assertEqual(out.returncode, 255)  # AWS CLI v1: service errors exit 255
        self.assertIn("An error occurred (NotFoundException) when calling the DescribeKey operation: "
                      f"Alias 'arn:aws:kms:us-east-1:{ACCOUNT}:alias/missing' is not found.", out.stderr)


class TestDurability(unittest.TestCase):
    def test_keys_and_ciphertexts_survive_sigkill(self):
        data = tempfile.mkdtemp(prefix="gureum-kms-")
        try:
            server = Server(data_dir=data)
            try:
                kms = kms_client(server.url)
                md = kms.create_key()["KeyMetadata"]
                kms.create_alias(AliasName="alias/durable", TargetKeyId=md["KeyId"])
                blob = kms.encrypt(KeyId="alias/durable", Plaintext=b"survives kill -9", EncryptionContext={"a": "b"})["CiphertextBlob"]
                kms.rotate_key_on_demand(KeyId=md["KeyId"])
                blob2 = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"after rotation")["CiphertextBlob"]
                signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
                public = kms.get_public_key(KeyId=signing["KeyId"])["PublicKey"]
            finally:
                server.kill9()
            master = os.path.join(data, "kms", "master.key")
            self.assertTrue(os.path.exists(master))
            self.assertEqual(os.stat(master).st_mode & 0o777, 0o600)
            server = Server(data_dir=data)
            try:
                kms = kms_client(server.url)
                dec = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})
                self.assertEqual(dec["Plaintext"], b"survives kill -9")
                self.assertEqual(dec["KeyId"], md["Arn"])
                self.assertEqual(kms.decrypt(CiphertextBlob=blob2)["Plaintext"], b"after rotation")
                self.assertEqual(kms.describe_key(KeyId="alias/durable")["KeyMetadata"]["KeyId"], md["KeyId"])
                self.assertEqual(kms.get_public_key(KeyId=signing["KeyId"])["PublicKey"], public)
            finally:
                server.stop()
            # the state store holds only wrapped key material: no file under the data dir contains the
            # PKCS#8 private key header of the ECC key in the clear, nor the plaintext we encrypted
            for root, _, files in os.walk(data):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        content = f.read()
                    self.assertNotIn(b"survives kill -9", content, name)
        finally:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
