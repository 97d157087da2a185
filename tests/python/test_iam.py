"""IAM through boto3 and the AWS CLI: users, keys, groups, roles, policies, errors, and keys that sign."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
TRUST_ACCOUNT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]}


def name(prefix):
    return prefix + uuid.uuid4().hex[:8]


class IamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, service="iam", key="test", secret="test", token=None):
        return boto3.client(service, endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)

    def assertError(self, ctx, code, message=None, status=None):
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], code)
        if message is not None:
            self.assertEqual(error["Error"]["Message"], message)
        if status is not None:
            self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)

    # ------------------------------------------------------------------ users

    def test_create_get_user_with_path_ids_and_tags(self):
        iam = self.client()
        user_name = name("u")
        user = iam.create_user(UserName=user_name, Path="/eng/team/", Tags=[{"Key": "team", "Value": "core"}])["User"]
        self.assertRegex(user["UserId"], r"^AIDA[A-Z2-7]{17}$")
        self.assertEqual(user["Arn"], "arn:aws:iam::000000000000:user/eng/team/" + user_name)
        self.assertEqual(user["Path"], "/eng/team/")
        self.assertEqual(user["Tags"], [{"Key": "team", "Value": "core"}])
        got = iam.get_user(UserName=user_name)["User"]
        self.assertEqual(got["UserId"], user["UserId"])
        self.assertEqual(got["CreateDate"], user["CreateDate"])
        self.assertEqual(iam.list_user_tags(UserName=user_name)["Tags"], [{"Key": "team", "Value": "core"}])

    def test_duplicate_and_missing_user_errors(self):
        iam = self.client()
        user_name = name("dup")
        iam.create_user(UserName=user_name)
        with self.assertRaises(ClientError) as ctx:
            iam.create_user(UserName=user_name.upper())
        self.assertError(ctx, "EntityAlreadyExists", f"User with name {user_name.upper()} already exists.", 409)
        with self.assertRaises(ClientError) as ctx:
            iam.get_user(UserName="nobody-here")
        self.assertError(ctx, "NoSuchEntity", "The user with name nobody-here cannot be found.", 404)

    def test_list_users_path_prefix_and_pagination(self):
        iam = self.client()
        prefix = "/" + name("p") + "/"
        names = sorted(name("lu") for _ in range(5))
        for n in names:
            iam.create_user(UserName=n, Path=prefix)
        first = iam.list_users(PathPrefix=prefix, MaxItems=2)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual([u["UserName"] for u in first["Users"]], names[:2])
        self.assertNotIn("Tags", first["Users"][0])
        second = iam.list_users(PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
        self.assertEqual([u["UserName"] for u in second["Users"]], names[2:4])
        third = iam.list_users(PathPrefix=prefix, MaxItems=2, Marker=second["Marker"])
        self.assertEqual([u["UserName"] for u in third["Users"]], names[4:])
        self.assertFalse(third["IsTruncated"])
        self.assertNotIn("Marker", third)
        paginated = [u["UserName"] for page in iam.get_paginator("list_users").paginate(PathPrefix=prefix, PaginationConfig={"PageSize": 3}) for u in page["Users"]]
        self.assertEqual(paginated, names)

    def test_update_user_renames_and_keeps_keys_working(self):
        iam = self.client()
        old, new = name("old"), name("new")
        iam.create_user(UserName=old)
        key = iam.create_access_key(UserName=old)["AccessKey"]
        iam.update_user(UserName=old, NewUserName=new, NewPath="/moved/")
        with self.assertRaises(ClientError) as ctx:
            iam.get_user(UserName=old)
        self.assertError(ctx, "NoSuchEntity")
        self.assertEqual(iam.get_user(UserName=new)["User"]["Arn"], f"arn:aws:iam::000000000000:user/moved/{new}")
        identity = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
        self.assertEqual(identity["Arn"], f"arn:aws:iam::000000000000:user/moved/{new}")
        self.assertEqual(iam.list_access_keys(UserName=new)["AccessKeyMetadata"][0]["AccessKeyId"], key["AccessKeyId"])

    def test_delete_user_conflicts_until_keys_and_policies_are_gone(self):
        iam = self.client()
        user_name = name("del")
        iam.create_user(UserName=user_name)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName=user_name)
        self.assertError(ctx, "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409)
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        iam.put_user_policy(UserName=user_name, PolicyName="inline", PolicyDocument=json.dumps(ALLOW_S3))
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName=user_name)
        self.assertError(ctx, "DeleteConflict", "Cannot delete entity, must delete policies first.")
        iam.delete_user_policy(UserName=user_name, PolicyName="inline")
        iam.attach_user_policy(UserName=user_name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        with self.assertRaises(ClientError) as ctx:
            iam.delete_user(UserName=user_name)
        self.assertError(ctx, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
        iam.detach_user_policy(UserName=user_name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        iam.delete_user(UserName=user_name)
        with self.assertRaises(ClientError) as ctx:
            iam.get_user(UserName=user_name)
        self.assertError(ctx, "NoSuchEntity")

    # ------------------------------------------------------------------ access keys

    def test_access_keys_format_limit_status_and_last_used(self):
        iam = self.client()
        user_name = name("k")
        iam.create_user(UserName=user_name)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        self.assertRegex(key["AccessKeyId"], r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual(len(key["SecretAccessKey"]), 40)
        self.assertEqual(key["Status"], "Active")
        second = iam.create_access_key(UserName=user_name)["AccessKey"]
        self.assertNotEqual(second["SecretAccessKey"], key["SecretAccessKey"])
        with self.assertRaises(ClientError) as ctx:
            iam.create_access_key(UserName=user_name)
        self.assertError(ctx, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
        listed = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
        self.assertEqual(sorted(k["AccessKeyId"] for k in listed), sorted([key["AccessKeyId"], second["AccessKeyId"]]))
        self.assertNotIn("SecretAccessKey", listed[0])

        unused = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
        self.assertEqual(unused["UserName"], user_name)
        self.assertEqual(unused["AccessKeyLastUsed"]["ServiceName"], "N/A")
        self.assertEqual(unused["AccessKeyLastUsed"]["Region"], "N/A")
        self.assertNotIn("LastUsedDate", unused["AccessKeyLastUsed"])

        sts = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
        identity = sts.get_caller_identity()
        self.assertEqual(identity["Arn"], f"arn:aws:iam::000000000000:user/{user_name}")
        self.assertRegex(identity["UserId"], r"^AIDA[A-Z2-7]{17}$")
        self.assertEqual(identity["UserId"], iam.get_user(UserName=user_name)["User"]["UserId"])
        used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
        self.assertEqual(used["ServiceName"], "sts")
        self.assertEqual(used["Region"], "us-east-1")
        self.assertIn("LastUsedDate", used)

        # Inactive keys are refused with the query family's code; reactivated keys work again.
        iam.update_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
        self.assertEqual({k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]}[key["AccessKeyId"]], "Inactive")
        with self.assertRaises(ClientError) as ctx:
            sts.get_caller_identity()
        self.assertError(ctx, "InvalidClientTokenId", "The security token included in the request is invalid.", 403)
        iam.update_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"], Status="Active")
        self.assertEqual(sts.get_caller_identity()["Arn"], identity["Arn"])

        # A wrong secret for a real key is a signature mismatch; a deleted key is unknown again.
        with self.assertRaises(ClientError) as ctx:
            self.client("sts", key["AccessKeyId"], "x" * 40).get_caller_identity()
        self.assertError(ctx, "SignatureDoesNotMatch", status=403)
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        self.assertError(ctx, "NoSuchEntity", f"The Access Key with id {key['AccessKeyId']} cannot be found.", 404)

    def test_key_owner_can_manage_own_keys_without_user_name(self):
        iam = self.client()
        user_name = name("self")
        iam.create_user(UserName=user_name)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        own = self.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
        self.assertEqual(own.get_user()["User"]["UserName"], user_name)
        self.assertEqual([k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]], [key["AccessKeyId"]])

    def test_get_access_key_info_decodes_the_account(self):
        iam = self.client("iam", key="111122223333", secret="x")
        user_name = name("ak")
        iam.create_user(UserName=user_name)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        self.assertEqual(self.client("sts").get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"], "111122223333")
        identity = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
        self.assertEqual(identity["Account"], "111122223333")
        self.assertEqual(identity["Arn"], f"arn:aws:iam::111122223333:user/{user_name}")

    # ------------------------------------------------------------------ groups

    def test_groups_and_membership(self):
        iam = self.client()
        group, user_name = name("g"), name("gu")
        created = iam.create_group(GroupName=group, Path="/ops/")["Group"]
        self.assertRegex(created["GroupId"], r"^AGPA[A-Z2-7]{17}$")
        self.assertEqual(created["Arn"], f"arn:aws:iam::000000000000:group/ops/{group}")
        with self.assertRaises(ClientError) as ctx:
            iam.create_group(GroupName=group)
        self.assertError(ctx, "EntityAlreadyExists", f"Group with name {group} already exists.", 409)
        iam.create_user(UserName=user_name)
        iam.add_user_to_group(GroupName=group, UserName=user_name)
        got = iam.get_group(GroupName=group)
        self.assertEqual([u["UserName"] for u in got["Users"]], [user_name])
        self.assertEqual([g["GroupName"] for g in iam.list_groups_for_user(UserName=user_name)["Groups"]], [group])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_group(GroupName=group)
        self.assertError(ctx, "DeleteConflict", "Cannot delete entity, must remove users from group first.", 409)
        iam.put_group_policy(GroupName=group, PolicyName="gp", PolicyDocument=json.dumps(ALLOW_S3))
        self.assertEqual(iam.get_group_policy(GroupName=group, PolicyName="gp")["PolicyDocument"], ALLOW_S3)
        self.assertEqual(iam.list_group_policies(GroupName=group)["PolicyNames"], ["gp"])
        iam.delete_group_policy(GroupName=group, PolicyName="gp")
        iam.remove_user_from_group(GroupName=group, UserName=user_name)
        iam.delete_group(GroupName=group)
        with self.assertRaises(ClientError) as ctx:
            iam.get_group(GroupName=group)
        self.assertError(ctx, "NoSuchEntity", f"The group with name {group} cannot be found.", 404)

    # ------------------------------------------------------------------ roles

    def test_roles_trust_policy_and_session_duration(self):
        iam = self.client()
        role = name("r")
        created = iam.create_role(RoleName=role, Path="/svc/", AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT),
                                  Description="d", MaxSessionDuration=7200, Tags=[{"Key": "a", "Value": "b"}])["Role"]
        self.assertRegex(created["RoleId"], r"^AROA[A-Z2-7]{17}$")
        self.assertEqual(created["Arn"], f"arn:aws:iam::000000000000:role/svc/{role}")
        self.assertEqual(created["AssumeRolePolicyDocument"], TRUST_ACCOUNT)
        got = iam.get_role(RoleName=role)["Role"]
        self.assertEqual(got["MaxSessionDuration"], 7200)
        self.assertEqual(got["Description"], "d")
        self.assertEqual(got["Tags"], [{"Key": "a", "Value": "b"}])
        self.assertIn(role, [r["RoleName"] for r in iam.list_roles(PathPrefix="/svc/")["Roles"]])

        with self.assertRaises(ClientError) as ctx:
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT))
        self.assertError(ctx, "EntityAlreadyExists", f"Role with name {role} already exists.", 409)
        with self.assertRaises(ClientError) as ctx:
            iam.create_role(RoleName=name("bad"), AssumeRolePolicyDocument="{not json")
        self.assertError(ctx, "MalformedPolicyDocument", "Syntax errors in policy.", 400)
        with self.assertRaises(ClientError) as ctx:
            iam.create_role(RoleName=name("bad"), AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT), MaxSessionDuration=50000)
        self.assertError(ctx, "ValidationError", status=400)
        self.assertIn("maxSessionDuration", ctx.exception.response["Error"]["Message"])

        iam.update_role(RoleName=role, MaxSessionDuration=3600, Description="e")
        self.assertEqual(iam.get_role(RoleName=role)["Role"]["MaxSessionDuration"], 3600)
        new_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(new_trust))
        self.assertEqual(iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"], new_trust)

        iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(ALLOW_S3))
        self.assertEqual(iam.get_role_policy(RoleName=role, PolicyName="inline")["PolicyDocument"], ALLOW_S3)
        with self.assertRaises(ClientError) as ctx:
            iam.get_role_policy(RoleName=role, PolicyName="missing")
        self.assertError(ctx, "NoSuchEntity", "The role policy with name missing cannot be found.", 404)
        iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        self.assertEqual(iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"],
                         [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_role(RoleName=role)
        self.assertError(ctx, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409)
        iam.delete_role_policy(RoleName=role, PolicyName="inline")
        iam.detach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        iam.untag_role(RoleName=role, TagKeys=["a"])
        self.assertEqual(iam.list_role_tags(RoleName=role)["Tags"], [])
        iam.delete_role(RoleName=role)
        with self.assertRaises(ClientError) as ctx:
            iam.get_role(RoleName=role)
        self.assertError(ctx, "NoSuchEntity", f"The role with name {role} cannot be found.", 404)

    def test_malformed_policy_documents(self):
        iam = self.client()
        cases = [
            ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}, "Policy document must be version 2012-10-17 or greater."),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Policy statement must contain actions."),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "Policy statement must contain resources."),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}, "Policy document should not specify a principal."),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "invalid", "Resource": "*"}]}, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]}, 'Resource bucket must be in ARN format or "*".'),
            ({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}, "Syntax errors in policy."),
        ]
        for document, message in cases:
            with self.subTest(message=message):
                with self.assertRaises(ClientError) as ctx:
                    iam.create_policy(PolicyName=name("bad"), PolicyDocument=json.dumps(document))
                self.assertError(ctx, "MalformedPolicyDocument", message, 400)
        with self.assertRaises(ClientError) as ctx:
            iam.create_role(RoleName=name("bad"), AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        self.assertError(ctx, "MalformedPolicyDocument", "Has prohibited field Resource", 400)

    # ------------------------------------------------------------------ managed policies

    def test_managed_policy_versions_and_attachments(self):
        iam = self.client()
        policy_name, user_name = name("pol"), name("pu")
        policy = iam.create_policy(PolicyName=policy_name, Path="/team/", PolicyDocument=json.dumps(ALLOW_S3),
                                   Description="desc", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
        self.assertRegex(policy["PolicyId"], r"^ANPA[A-Z2-7]{17}$")
        arn = f"arn:aws:iam::000000000000:policy/team/{policy_name}"
        self.assertEqual(policy["Arn"], arn)
        self.assertEqual(policy["DefaultVersionId"], "v1")
        self.assertEqual(policy["AttachmentCount"], 0)
        with self.assertRaises(ClientError) as ctx:
            iam.create_policy(PolicyName=policy_name, PolicyDocument=json.dumps(ALLOW_S3))
        self.assertError(ctx, "EntityAlreadyExists", f"A policy called {policy_name} already exists. Duplicate names are not allowed.", 409)

        doc2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}
        v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc2), SetAsDefault=True)["PolicyVersion"]
        self.assertEqual((v2["VersionId"], v2["IsDefaultVersion"]), ("v2", True))
        self.assertEqual(iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v2")
        self.assertEqual(iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"], doc2)
        self.assertEqual(iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"], ALLOW_S3)
        for _ in range(3):
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(ALLOW_S3))
        with self.assertRaises(ClientError) as ctx:
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(ALLOW_S3))
        self.assertError(ctx, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.", 409)
        self.assertEqual([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]], ["v5", "v4", "v3", "v2", "v1"])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
        self.assertError(ctx, "DeleteConflict", "Cannot delete the default version of a policy.", 409)
        with self.assertRaises(ClientError) as ctx:
            iam.get_policy_version(PolicyArn=arn, VersionId="v9")
        self.assertError(ctx, "NoSuchEntity", status=404)

        iam.create_user(UserName=user_name)
        iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
        self.assertEqual(iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        self.assertEqual(iam.list_attached_user_policies(UserName=user_name)["AttachedPolicies"], [{"PolicyName": policy_name, "PolicyArn": arn}])
        entities = iam.list_entities_for_policy(PolicyArn=arn)
        self.assertEqual([u["UserName"] for u in entities["PolicyUsers"]], [user_name])
        local = [p["PolicyName"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
        self.assertIn(policy_name, local)
        self.assertNotIn("AdministratorAccess", local)
        self.assertIn("AdministratorAccess", [p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]])
        with self.assertRaises(ClientError) as ctx:
            iam.delete_policy(PolicyArn=arn)
        self.assertError(ctx, "DeleteConflict", "Cannot delete a policy attached to entities.", 409)
        iam.detach_user_policy(UserName=user_name, PolicyArn=arn)
        with self.assertRaises(ClientError) as ctx:
            iam.detach_user_policy(UserName=user_name, PolicyArn=arn)
        self.assertError(ctx, "NoSuchEntity", f"Policy {arn} was not found.", 404)
        with self.assertRaises(ClientError) as ctx:
            iam.attach_user_policy(UserName=user_name, PolicyArn="arn:aws:iam::000000000000:policy/none")
        self.assertError(ctx, "NoSuchEntity", "Policy arn:aws:iam::000000000000:policy/none does not exist or is not attachable.", 404)
        with self.assertRaises(ClientError) as ctx:
            iam.delete_policy(PolicyArn=arn)
        self.assertError(ctx, "DeleteConflict", status=409)
        for v in ["v1", "v3", "v4", "v5"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=v)
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "x", "Value": "y"}])
        self.assertEqual(sorted(t["Key"] for t in iam.list_policy_tags(PolicyArn=arn)["Tags"]), ["k", "x"])
        iam.delete_policy(PolicyArn=arn)
        with self.assertRaises(ClientError) as ctx:
            iam.get_policy(PolicyArn=arn)
        self.assertError(ctx, "NoSuchEntity", f"Policy {arn} was not found.", 404)

    def test_inline_user_policy_round_trip_is_url_encoded_on_the_wire(self):
        import urllib.parse
        iam = self.client()
        user_name = name("in")
        iam.create_user(UserName=user_name)
        document = json.dumps(ALLOW_S3, indent=2)
        iam.put_user_policy(UserName=user_name, PolicyName="b", PolicyDocument=document)
        iam.put_user_policy(UserName=user_name, PolicyName="a", PolicyDocument=document)
        self.assertEqual(iam.list_user_policies(UserName=user_name)["PolicyNames"], ["a", "b"])
        captured = {}
        iam.meta.events.register("after-call.iam.GetUserPolicy", lambda http_response, **kw: captured.setdefault("body", http_response.text))
        self.assertEqual(iam.get_user_policy(UserName=user_name, PolicyName="a")["PolicyDocument"], ALLOW_S3)
        self.assertIn("<PolicyDocument>" + urllib.parse.quote(document, safe="-_.~") + "</PolicyDocument>", captured["body"])
        with self.assertRaises(ClientError) as ctx:
            iam.get_user_policy(UserName=user_name, PolicyName="zz")
        self.assertError(ctx, "NoSuchEntity", "The user policy with name zz cannot be found.", 404)

    # ------------------------------------------------------------------ AWS CLI

    def test_aws_cli_creates_user_and_key_that_signs(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        user_name = name("cli")

        def aws(*args, environment=env):
            out = subprocess.run(["aws", "--endpoint-url", self.server.url, *args, "--output", "json"],
                                 env=environment, capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            return json.loads(out.stdout) if out.stdout.strip() else None

        self.assertEqual(aws("iam", "create-user", "--user-name", user_name)["User"]["UserName"], user_name)
        key = aws("iam", "create-access-key", "--user-name", user_name)["AccessKey"]
        user_env = dict(env, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        identity = aws("sts", "get-caller-identity", environment=user_env)
        self.assertEqual(identity["Arn"], f"arn:aws:iam::000000000000:user/{user_name}")


class IamResetTest(unittest.TestCase):
    def test_reset_drops_iam_state_and_keys(self):
        import urllib.request
        server = Server("--auth", "strict")
        try:
            iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                               aws_access_key_id="test", aws_secret_access_key="test")
            iam.create_user(UserName="ephemeral")
            key = iam.create_access_key(UserName="ephemeral")["AccessKey"]
            with urllib.request.urlopen(urllib.request.Request(server.url + "/_gureum/reset", data=b"", method="POST")) as r:
                self.assertEqual(r.status, 200)
            with self.assertRaises(ClientError) as ctx:
                iam.get_user(UserName="ephemeral")
            self.assertEqual(ctx.exception.response["Error"]["Code"], "NoSuchEntity")
            with self.assertRaises(ClientError) as ctx:
                boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                             aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]).get_caller_identity()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidClientTokenId")
            iam.create_user(UserName="ephemeral")  # the name is free again
        finally:
            server.stop()


class IamDurabilityTest(unittest.TestCase):
    def test_access_key_survives_sigkill(self):
        data_dir = tempfile.mkdtemp(prefix="gureum-iam-")
        try:
            server = Server(data_dir=data_dir)
            try:
                iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                   aws_access_key_id="test", aws_secret_access_key="test")
                iam.create_user(UserName="durable", Path="/d/")
                key = iam.create_access_key(UserName="durable")["AccessKey"]
                iam.create_role(RoleName="durable-role", AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT))
                iam.put_user_policy(UserName="durable", PolicyName="p", PolicyDocument=json.dumps(ALLOW_S3))
                session = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                       aws_access_key_id="test", aws_secret_access_key="test").assume_role(
                    RoleArn="arn:aws:iam::000000000000:role/durable-role", RoleSessionName="before-crash")["Credentials"]
            finally:
                server.kill9()
            server = Server("--auth", "strict", data_dir=data_dir)
            try:
                sts = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
                self.assertEqual(sts.get_caller_identity()["Arn"], "arn:aws:iam::000000000000:user/d/durable")
                iam = boto3.client("iam", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                   aws_access_key_id="test", aws_secret_access_key="test")
                self.assertEqual(iam.get_user_policy(UserName="durable", PolicyName="p")["PolicyDocument"], ALLOW_S3)
                self.assertEqual(iam.get_role(RoleName="durable-role")["Role"]["AssumeRolePolicyDocument"], TRUST_ACCOUNT)
                # Temporary credentials issued before the crash still authenticate (until they expire).
                session_sts = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", config=CONFIG,
                                           aws_access_key_id=session["AccessKeyId"], aws_secret_access_key=session["SecretAccessKey"],
                                           aws_session_token=session["SessionToken"])
                self.assertEqual(session_sts.get_caller_identity()["Arn"],
                                 "arn:aws:sts::000000000000:assumed-role/durable-role/before-crash")
                # Strict mode: the deleted key is then unknown.
                iam.delete_access_key(UserName="durable", AccessKeyId=key["AccessKeyId"])
                with self.assertRaises(ClientError) as ctx:
                    sts.get_caller_identity()
                self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidClientTokenId")
            finally:
                server.stop()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
