"""STS temporary credentials through boto3 and the AWS CLI: AssumeRole (trust policy, durations,
ExternalId), GetSessionToken, GetFederationToken, AssumeRoleWithWebIdentity, GetAccessKeyInfo, and
the CLI's role profiles. Expiry on a moved clock is tested in tests/Gureum.Services.Iam.Tests."""
import base64
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})
ACCOUNT = "000000000000"


def name(prefix):
    return prefix + uuid.uuid4().hex[:8]


def trust(principal, action="sts:AssumeRole", condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class StsCredentialsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, service="sts", key="test", secret="test", token=None):
        return boto3.client(service, endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)

    def creds_client(self, credentials, service="sts"):
        return self.client(service, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])

    def role(self, trust_document, max_session=3600, path="/"):
        role_name = name("role")
        return self.client("iam").create_role(RoleName=role_name, Path=path, AssumeRolePolicyDocument=trust_document,
                                              MaxSessionDuration=max_session)["Role"]

    def user_key(self):
        iam = self.client("iam")
        user_name = name("user")
        iam.create_user(UserName=user_name)
        return user_name, iam.create_access_key(UserName=user_name)["AccessKey"]

    def assertError(self, ctx, code, message=None, status=None):
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], code)
        if message is not None:
            self.assertEqual(error["Error"]["Message"], message)
        if status is not None:
            self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)

    def test_assume_role_credentials_identify_the_session(self):
        role = self.role(trust({"AWS": ACCOUNT}), path="/app/")
        response = self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="my-session", DurationSeconds=900)
        credentials = response["Credentials"]
        self.assertRegex(credentials["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(len(credentials["SecretAccessKey"]), 40)
        self.assertTrue(credentials["SessionToken"])
        remaining = credentials["Expiration"].timestamp() - time.time()
        self.assertTrue(800 < remaining <= 901, remaining)
        arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/my-session"
        self.assertEqual(response["AssumedRoleUser"], {"AssumedRoleId": role["RoleId"] + ":my-session", "Arn": arn})
        identity = self.creds_client(credentials).get_caller_identity()
        self.assertEqual(identity["Arn"], arn)
        self.assertEqual(identity["UserId"], role["RoleId"] + ":my-session")
        self.assertEqual(identity["Account"], ACCOUNT)
        self.assertEqual(self.client().get_access_key_info(AccessKeyId=credentials["AccessKeyId"])["Account"], ACCOUNT)
        self.assertIn("LastUsedDate", self.client("iam").get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"])

    def test_session_token_must_match(self):
        role = self.role(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
        credentials = self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
        for token in ["wrong-token", None]:
            with self.subTest(token=token):
                with self.assertRaises(ClientError) as ctx:
                    self.client("sts", credentials["AccessKeyId"], credentials["SecretAccessKey"], token).get_caller_identity()
                self.assertError(ctx, "InvalidClientTokenId", "The security token included in the request is invalid.", 403)

    def test_trust_policy_decides(self):
        user_name, key = self.user_key()
        user_arn = f"arn:aws:iam::{ACCOUNT}:user/{user_name}"
        as_user = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
        for_user = self.role(trust({"AWS": user_arn}))
        self.assertEqual(as_user.assume_role(RoleArn=for_user["Arn"], RoleSessionName="ok")["AssumedRoleUser"]["Arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/{for_user['RoleName']}/ok")
        for_service = self.role(trust({"Service": "lambda.amazonaws.com"}))
        with self.assertRaises(ClientError) as ctx:
            as_user.assume_role(RoleArn=for_service["Arn"], RoleSessionName="no")
        self.assertError(ctx, "AccessDenied",
                         f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {for_service['Arn']}", 403)
        missing = f"arn:aws:iam::{ACCOUNT}:role/does-not-exist"
        with self.assertRaises(ClientError) as ctx:
            as_user.assume_role(RoleArn=missing, RoleSessionName="no")
        self.assertError(ctx, "AccessDenied", f"User: {user_arn} is not authorized to perform: sts:AssumeRole on resource: {missing}", 403)
        other_account = self.role(trust({"AWS": "arn:aws:iam::999999999999:root"}))
        with self.assertRaises(ClientError) as ctx:
            as_user.assume_role(RoleArn=other_account["Arn"], RoleSessionName="no")
        self.assertError(ctx, "AccessDenied", status=403)

    def test_cross_account_assume_role(self):
        iam_b = self.client("iam", key="222233334444", secret="x")
        role = iam_b.create_role(RoleName=name("xacct"), AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]
        credentials = self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="xa")["Credentials"]
        identity = self.creds_client(credentials).get_caller_identity()
        self.assertEqual(identity["Account"], "222233334444")
        self.assertEqual(identity["Arn"], f"arn:aws:sts::222233334444:assumed-role/{role['RoleName']}/xa")

    def test_external_id_condition(self):
        role = self.role(trust({"AWS": ACCOUNT}, condition={"StringEquals": {"sts:ExternalId": "secret-123"}}))
        with self.assertRaises(ClientError) as ctx:
            self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ext")
        self.assertError(ctx, "AccessDenied", status=403)
        with self.assertRaises(ClientError) as ctx:
            self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ext", ExternalId="wrong-one")
        self.assertError(ctx, "AccessDenied", status=403)
        ok = self.client().assume_role(RoleArn=role["Arn"], RoleSessionName="ext", ExternalId="secret-123")
        self.assertTrue(ok["Credentials"]["AccessKeyId"].startswith("ASIA"))

    def test_duration_rules(self):
        role = self.role(trust({"AWS": ACCOUNT}), max_session=7200)
        sts = self.client()
        self.assertTrue(sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dur", DurationSeconds=7200)["Credentials"])
        with self.assertRaises(ClientError) as ctx:
            sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dur", DurationSeconds=7201)
        self.assertError(ctx, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)
        unchecked = boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", aws_access_key_id="test",
                                 aws_secret_access_key="test", config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False))
        with self.assertRaises(ClientError) as ctx:
            unchecked.assume_role(RoleArn=role["Arn"], RoleSessionName="dur", DurationSeconds=899)
        self.assertError(ctx, "ValidationError", status=400)
        self.assertIn("durationSeconds", ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            unchecked.assume_role(RoleArn=role["Arn"], RoleSessionName="bad name!")
        self.assertError(ctx, "ValidationError", status=400)
        self.assertIn("roleSessionName", ctx.exception.response["Error"]["Message"])
        # Role chaining is limited to one hour.
        chain_role = self.role(trust({"AWS": ACCOUNT}), max_session=7200)
        first = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="c1")["Credentials"]
        chained = self.creds_client(first)
        with self.assertRaises(ClientError) as ctx:
            chained.assume_role(RoleArn=chain_role["Arn"], RoleSessionName="c2", DurationSeconds=3601)
        self.assertError(ctx, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
        second = chained.assume_role(RoleArn=chain_role["Arn"], RoleSessionName="c2")["Credentials"]
        self.assertEqual(self.creds_client(second).get_caller_identity()["Arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/{chain_role['RoleName']}/c2")

    def test_get_session_token_for_users(self):
        user_name, key = self.user_key()
        user_sts = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
        credentials = user_sts.get_session_token(DurationSeconds=129600)["Credentials"]
        remaining = credentials["Expiration"].timestamp() - time.time()
        self.assertTrue(129500 < remaining <= 129601, remaining)
        identity = self.creds_client(credentials).get_caller_identity()
        self.assertEqual(identity["Arn"], f"arn:aws:iam::{ACCOUNT}:user/{user_name}")
        self.assertRegex(identity["UserId"], r"^AIDA")
        with self.assertRaises(ClientError) as ctx:
            self.creds_client(credentials).get_session_token()
        self.assertError(ctx, "AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
        unchecked = boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                                 aws_secret_access_key=key["SecretAccessKey"], config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False))
        with self.assertRaises(ClientError) as ctx:
            unchecked.get_session_token(DurationSeconds=129601)
        self.assertError(ctx, "ValidationError", status=400)
        # The account root gets at most one hour.
        root = self.client().get_session_token(DurationSeconds=7200)["Credentials"]
        self.assertTrue(root["Expiration"].timestamp() - time.time() <= 3601)

    def test_get_federation_token(self):
        user_name, key = self.user_key()
        response = self.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).get_federation_token(Name="fed-bob", DurationSeconds=900)
        arn = f"arn:aws:sts::{ACCOUNT}:federated-user/fed-bob"
        self.assertEqual(response["FederatedUser"], {"FederatedUserId": f"{ACCOUNT}:fed-bob", "Arn": arn})
        identity = self.creds_client(response["Credentials"]).get_caller_identity()
        self.assertEqual(identity["Arn"], arn)
        self.assertEqual(identity["UserId"], f"{ACCOUNT}:fed-bob")

    def test_assume_role_with_web_identity(self):
        def b64(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
        issuer = "oidc.example.com/id"
        role = self.role(trust({"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"}, "sts:AssumeRoleWithWebIdentity",
                               {"StringEquals": {f"{issuer}:aud": "my-client"}}))
        token = b64({"alg": "RS256"}) + "." + b64({"iss": "https://" + issuer, "sub": "subject-1", "aud": "my-client", "exp": int(time.time()) + 600}) + ".c2ln"
        anonymous = boto3.client("sts", endpoint_url=self.server.url, region_name="us-east-1", config=CONFIG,
                                 aws_access_key_id="anything", aws_secret_access_key="anything")
        response = anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="web", WebIdentityToken=token)
        self.assertEqual(response["SubjectFromWebIdentityToken"], "subject-1")
        self.assertEqual(response["Audience"], "my-client")
        self.assertEqual(response["Provider"], "https://" + issuer)
        identity = self.creds_client(response["Credentials"]).get_caller_identity()
        self.assertEqual(identity["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/web")
        wrong_aud = token.split(".")[0] + "." + b64({"iss": "https://" + issuer, "sub": "s", "aud": "other"}) + ".c2ln"
        with self.assertRaises(ClientError) as ctx:
            anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="web", WebIdentityToken=wrong_aud)
        self.assertError(ctx, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        expired = token.split(".")[0] + "." + b64({"iss": "https://" + issuer, "sub": "s", "aud": "my-client", "exp": 1000}) + ".c2ln"
        with self.assertRaises(ClientError) as ctx:
            anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="web", WebIdentityToken=expired)
        self.assertError(ctx, "ExpiredTokenException", status=400)
        with self.assertRaises(ClientError) as ctx:
            anonymous.assume_role_with_web_identity(RoleArn=role["Arn"], RoleSessionName="web", WebIdentityToken="not-a-jwt-at-all")
        self.assertError(ctx, "InvalidIdentityToken", status=400)

    def test_aws_cli_role_profile(self):
        user_name, key = self.user_key()
        role = self.role(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/{user_name}"}))
        with tempfile.TemporaryDirectory() as home:
            config = os.path.join(home, "config")
            credentials = os.path.join(home, "credentials")
            with open(credentials, "w") as f:
                f.write(f"[base]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n")
            with open(config, "w") as f:
                f.write(f"[profile base]\nregion = us-east-1\nendpoint_url = {self.server.url}\n\n"
                        f"[profile deploy]\nrole_arn = {role['Arn']}\nsource_profile = base\nrole_session_name = cli-session\n"
                        f"region = us-east-1\nendpoint_url = {self.server.url}\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=credentials, HOME=home)
            out = subprocess.run(["aws", "sts", "get-caller-identity", "--profile", "deploy", "--output", "json"],
                                 env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            identity = json.loads(out.stdout)
            self.assertEqual(identity["Arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/{role['RoleName']}/cli-session")
            self.assertEqual(identity["UserId"], role["RoleId"] + ":cli-session")


if __name__ == "__main__":
    unittest.main()
