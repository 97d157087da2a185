"""CloudWatch Logs through boto3 and the AWS CLI, and Lambda's delivery of function logs to it."""
import io
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import zipfile

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 0}, read_timeout=60)
KEYS = dict(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1", config=CONFIG)


def now_ms():
    return int(time.time() * 1000)


class LogsTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.logs = boto3.client("logs", endpoint_url=cls.server.url, **KEYS)
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def name(self):
        type(self).counter += 1
        return "/test/%s-%d" % (self._testMethodName, type(self).counter)

    def assertError(self, call, code, message=None):
        with self.assertRaises(ClientError) as caught:
            call()
        error = caught.exception.response
        self.assertEqual(error["Error"]["Code"], code, error)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            self.assertEqual(error["Error"]["Message"], message)
        return error


class GroupsAndStreamsTest(LogsTestBase):
    def test_group_lifecycle(self):
        g = self.name()
        self.logs.create_log_group(logGroupName=g, tags={"team": "a"})
        self.assertError(lambda: self.logs.create_log_group(logGroupName=g), "ResourceAlreadyExistsException",
                         "The specified log group already exists")
        groups = self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"]
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["logGroupName"], g)
        self.assertEqual(groups[0]["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:%s:*" % g)
        self.assertEqual(groups[0]["logGroupArn"], "arn:aws:logs:us-east-1:000000000000:log-group:%s" % g)
        self.assertEqual(groups[0]["storedBytes"], 0)
        self.assertNotIn("retentionInDays", groups[0])
        self.assertLessEqual(abs(groups[0]["creationTime"] - now_ms()), 60_000)

        self.logs.put_retention_policy(logGroupName=g, retentionInDays=7)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0]["retentionInDays"], 7)
        self.assertError(lambda: self.logs.put_retention_policy(logGroupName=g, retentionInDays=4), "InvalidParameterException")
        self.logs.delete_retention_policy(logGroupName=g)
        self.assertNotIn("retentionInDays", self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"][0])

        self.assertEqual(self.logs.list_tags_log_group(logGroupName=g)["tags"], {"team": "a"})
        arn = "arn:aws:logs:us-east-1:000000000000:log-group:%s" % g
        self.logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "a", "env": "dev"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"env": "dev"})

        self.logs.delete_log_group(logGroupName=g)
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix=g)["logGroups"], [])
        self.assertError(lambda: self.logs.delete_log_group(logGroupName=g), "ResourceNotFoundException",
                         "The specified log group does not exist.")

    def test_validation_uses_invalid_parameter(self):
        long_name = "g" * 513
        err = self.assertError(lambda: self.logs.create_log_group(logGroupName=long_name), "InvalidParameterException")
        self.assertTrue(err["Error"]["Message"].startswith("1 validation error detected: Value '"), err["Error"]["Message"])
        self.assertTrue(err["Error"]["Message"].endswith(
            "at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512"), err["Error"]["Message"])

    def test_describe_groups_pagination(self):
        prefix = self.name()
        for i in range(5):
            self.logs.create_log_group(logGroupName="%s/%d" % (prefix, i))
        first = self.logs.describe_log_groups(logGroupNamePrefix=prefix, limit=2)
        self.assertEqual([g["logGroupName"] for g in first["logGroups"]], [prefix + "/0", prefix + "/1"])
        self.assertIn("nextToken", first)
        names = [g["logGroupName"] for page in self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=prefix, PaginationConfig={"PageSize": 2}) for g in page["logGroups"]]
        self.assertEqual(names, ["%s/%d" % (prefix, i) for i in range(5)])

    def test_streams(self):
        g = self.name()
        self.assertError(lambda: self.logs.create_log_stream(logGroupName=g, logStreamName="s"), "ResourceNotFoundException",
                         "The specified log group does not exist.")
        self.logs.create_log_group(logGroupName=g)
        for s in ["b", "a", "c"]:
            self.logs.create_log_stream(logGroupName=g, logStreamName=s)
        self.assertError(lambda: self.logs.create_log_stream(logGroupName=g, logStreamName="a"),
                         "ResourceAlreadyExistsException", "The specified log stream already exists")
        t = now_ms()
        self.logs.put_log_events(logGroupName=g, logStreamName="c", logEvents=[{"timestamp": t - 5000, "message": "x"}])
        self.logs.put_log_events(logGroupName=g, logStreamName="a", logEvents=[{"timestamp": t - 1000, "message": "y"}])
        streams = self.logs.describe_log_streams(logGroupName=g)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams], ["a", "b", "c"])
        self.assertEqual(streams[0]["arn"], "arn:aws:logs:us-east-1:000000000000:log-group:%s:log-stream:a" % g)
        self.assertEqual(streams[0]["firstEventTimestamp"], t - 1000)
        self.assertEqual(streams[0]["lastEventTimestamp"], t - 1000)
        self.assertNotIn("firstEventTimestamp", streams[1])
        by_time = self.logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", descending=True)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in by_time], ["a", "c", "b"])
        page = self.logs.describe_log_streams(logGroupName=g, limit=2)
        self.assertEqual(len(page["logStreams"]), 2)
        rest = self.logs.describe_log_streams(logGroupName=g, limit=2, nextToken=page["nextToken"])
        self.assertEqual([s["logStreamName"] for s in rest["logStreams"]], ["c"])
        self.assertNotIn("nextToken", rest)
        self.assertEqual([s["logStreamName"] for s in self.logs.describe_log_streams(
            logGroupName=g, logStreamNamePrefix="b")["logStreams"]], ["b"])
        self.assertError(lambda: self.logs.describe_log_streams(logGroupName=g, orderBy="LastEventTime", logStreamNamePrefix="a"),
                         "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
        self.logs.delete_log_stream(logGroupName=g, logStreamName="b")
        self.assertError(lambda: self.logs.delete_log_stream(logGroupName=g, logStreamName="b"), "ResourceNotFoundException",
                         "The specified log stream does not exist.")
        self.assertEqual(len(self.logs.describe_log_streams(logGroupName=g)["logStreams"]), 2)


class EventsTest(LogsTestBase):
    def group_with_stream(self):
        g = self.name()
        self.logs.create_log_group(logGroupName=g)
        self.logs.create_log_stream(logGroupName=g, logStreamName="s1")
        return g

    def test_put_rules(self):
        g = self.group_with_stream()
        t = now_ms()
        self.assertError(lambda: self.logs.put_log_events(logGroupName=g, logStreamName="nope",
                                                          logEvents=[{"timestamp": t, "message": "m"}]),
                         "ResourceNotFoundException", "The specified log stream does not exist.")
        self.assertError(lambda: self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[
            {"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}]),
            "InvalidParameterException", "Log events in a single PutLogEvents request must be in chronological order.")
        self.assertError(lambda: self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[
            {"timestamp": t - 25 * 3600_000, "message": "a"}, {"timestamp": t, "message": "b"}]),
            "InvalidParameterException", "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        big = [{"timestamp": t, "message": "x" * 100_000} for _ in range(11)]
        self.assertError(lambda: self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=big),
                         "InvalidParameterException", "Upload too large: 1100286 bytes exceeds limit of 1048576")
        too_many = [{"timestamp": t, "message": "m"}] * 10001
        err = self.assertError(lambda: self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=too_many),
                               "InvalidParameterException")
        self.assertIn("Member must have length less than or equal to 10000", err["Error"]["Message"])
        # sequence tokens are ignored; too-old and too-new events are rejected, the rest accepted
        r = self.logs.put_log_events(logGroupName=g, logStreamName="s1", sequenceToken="whatever", logEvents=[
            {"timestamp": t - 15 * 86400_000, "message": "old"},
            {"timestamp": t - 15 * 86400_000 + 1, "message": "old2"},
        ])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 2})
        self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[{"timestamp": t - 1, "message": "ok"}])
        self.assertRegex(r["nextSequenceToken"], r"^\d{56}$")
        r = self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[
            {"timestamp": t, "message": "ok2"}, {"timestamp": t + 3 * 3600_000, "message": "future"}])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooNewLogEventStartIndex": 1})
        events = self.logs.get_log_events(logGroupName=g, logStreamName="s1", startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in events], ["ok", "ok2"])

    def test_get_log_events_tokens(self):
        g = self.group_with_stream()
        t = now_ms() - 10_000
        self.logs.put_log_events(logGroupName=g, logStreamName="s1",
                                 logEvents=[{"timestamp": t + i, "message": "m%d" % i} for i in range(5)])
        head = self.logs.get_log_events(logGroupName=g, logStreamName="s1", startFromHead=True, limit=2)
        self.assertEqual([e["message"] for e in head["events"]], ["m0", "m1"])
        self.assertEqual(head["events"][0]["timestamp"], t)
        self.assertIn("ingestionTime", head["events"][0])
        self.assertRegex(head["nextForwardToken"], r"^f/\d{56}$")
        self.assertRegex(head["nextBackwardToken"], r"^b/\d{56}$")
        nxt = self.logs.get_log_events(logGroupName=g, logStreamName="s1", nextToken=head["nextForwardToken"], limit=2)
        self.assertEqual([e["message"] for e in nxt["events"]], ["m2", "m3"])
        back = self.logs.get_log_events(logGroupName=g, logStreamName="s1", nextToken=nxt["nextBackwardToken"], limit=5)
        self.assertEqual([e["message"] for e in back["events"]], ["m0", "m1"])
        tail = self.logs.get_log_events(logGroupName=g, logStreamName="s1", limit=2)
        self.assertEqual([e["message"] for e in tail["events"]], ["m3", "m4"])
        end = self.logs.get_log_events(logGroupName=g, logStreamName="s1", nextToken=tail["nextForwardToken"])
        self.assertEqual(end["events"], [])
        self.assertEqual(end["nextForwardToken"], tail["nextForwardToken"])  # same token: the client stops
        ranged = self.logs.get_log_events(logGroupName=g, logStreamName="s1", startTime=t + 1, endTime=t + 3, startFromHead=True)
        self.assertEqual([e["message"] for e in ranged["events"]], ["m1", "m2"])

    def test_filter_log_events(self):
        g = self.group_with_stream()
        self.logs.create_log_stream(logGroupName=g, logStreamName="s2")
        t = now_ms() - 10_000
        self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[
            {"timestamp": t, "message": "ERROR disk full"}, {"timestamp": t + 2, "message": "INFO all good"}])
        self.logs.put_log_events(logGroupName=g, logStreamName="s2", logEvents=[
            {"timestamp": t + 1, "message": "WARN disk slow"}, {"timestamp": t + 3, "message": "ERROR net down"}])
        def msgs(**kw):
            return [e["message"] for e in self.logs.filter_log_events(logGroupName=g, **kw)["events"]]
        self.assertEqual(msgs(), ["ERROR disk full", "WARN disk slow", "INFO all good", "ERROR net down"])
        self.assertEqual(msgs(filterPattern="ERROR"), ["ERROR disk full", "ERROR net down"])
        self.assertEqual(msgs(filterPattern="ERROR disk"), ["ERROR disk full"])
        self.assertEqual(msgs(filterPattern='"disk slow"'), ["WARN disk slow"])
        self.assertEqual(msgs(filterPattern="?WARN ?INFO"), ["WARN disk slow", "INFO all good"])
        self.assertEqual(msgs(filterPattern="disk -ERROR"), ["WARN disk slow"])
        self.assertEqual(msgs(filterPattern="error"), [])  # case-sensitive
        self.assertEqual(msgs(logStreamNames=["s2"]), ["WARN disk slow", "ERROR net down"])
        self.assertEqual(msgs(startTime=t + 1, endTime=t + 3), ["WARN disk slow", "INFO all good"])
        first = self.logs.filter_log_events(logGroupName=g, limit=3)
        self.assertEqual(first["events"][0]["logStreamName"], "s1")
        self.assertRegex(first["events"][0]["eventId"], r"^\d{56}$")
        second = self.logs.filter_log_events(logGroupName=g, limit=3, nextToken=first["nextToken"])
        self.assertEqual([e["message"] for e in second["events"]], ["ERROR net down"])
        self.assertNotIn("nextToken", second)

    def test_cli_filter(self):
        g = self.group_with_stream()
        self.logs.put_log_events(logGroupName=g, logStreamName="s1", logEvents=[{"timestamp": now_ms(), "message": "hello from cli"}])
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "--endpoint-url", self.server.url, "--output", "json", "logs", "filter-log-events",
                            "--log-group-name", g, "--filter-pattern", "hello"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([e["message"] for e in json.loads(p.stdout)["events"]], ["hello from cli"])


PY_APP = '''
import json
def handler(event, context):
    print("function says", json.dumps(event))
    return {"ok": True}
'''


def make_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buffer.getvalue()


class LambdaLogsTest(LogsTestBase):
    def test_invocation_logs_reach_cloudwatch(self):
        lam = boto3.client("lambda", endpoint_url=self.server.url, **KEYS)
        name = "logfn-%d" % os.getpid()
        lam.create_function(FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
                            Handler="app.handler", Code={"ZipFile": make_zip({"app.py": PY_APP})})
        r1 = lam.invoke(FunctionName=name, Payload=b'{"n": 1}')
        r2 = lam.invoke(FunctionName=name, Payload=b'{"n": 2}')
        id1 = r1["ResponseMetadata"]["RequestId"]
        id2 = r2["ResponseMetadata"]["RequestId"]
        group = "/aws/lambda/" + name
        deadline = time.time() + 10
        events = []
        while time.time() < deadline:
            try:
                streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
                if streams:
                    events = self.logs.get_log_events(logGroupName=group, logStreamName=streams[0]["logStreamName"],
                                                      startFromHead=True)["events"]
                    if sum(1 for e in events if e["message"].startswith("REPORT")) == 2:
                        break
            except ClientError:
                pass
            time.sleep(0.1)
        self.assertEqual(len(streams), 1)  # warm reuse: one environment, one stream
        self.assertRegex(streams[0]["logStreamName"], r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
        messages = [e["message"] for e in events]
        self.assertIn("START RequestId: %s Version: $LATEST" % id1, messages)
        self.assertIn('function says {"n": 1}', messages)
        self.assertIn("END RequestId: %s" % id1, messages)
        self.assertIn("END RequestId: %s" % id2, messages)
        reports = [m for m in messages if m.startswith("REPORT RequestId: ")]
        self.assertEqual(len(reports), 2)
        self.assertIn("Init Duration:", reports[0])
        self.assertLess(messages.index("START RequestId: %s Version: $LATEST" % id1), messages.index("END RequestId: %s" % id1))
        found = self.logs.filter_log_events(logGroupName=group, filterPattern='"function says"')["events"]
        self.assertEqual([e["message"] for e in found], ['function says {"n": 1}', 'function says {"n": 2}'])
        found = self.logs.filter_log_events(logGroupName=group, filterPattern="REPORT " + id2)["events"]
        self.assertEqual(len(found), 1)
        self.assertTrue(found[0]["message"].startswith("REPORT RequestId: " + id2))


class DurabilityTest(unittest.TestCase):
    def test_events_survive_kill9(self):
        with tempfile.TemporaryDirectory() as data:
            server = Server(data_dir=data)
            try:
                logs = boto3.client("logs", endpoint_url=server.url, **KEYS)
                logs.create_log_group(logGroupName="/durable")
                logs.create_log_stream(logGroupName="/durable", logStreamName="s")
                logs.put_retention_policy(logGroupName="/durable", retentionInDays=30)
                logs.put_log_events(logGroupName="/durable", logStreamName="s",
                                    logEvents=[{"timestamp": now_ms(), "message": "m%d" % i} for i in range(3)])
            finally:
                server.kill9()
            server = Server(data_dir=data)
            try:
                logs = boto3.client("logs", endpoint_url=server.url, **KEYS)
                self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/durable")["logGroups"][0]["retentionInDays"], 30)
                events = logs.get_log_events(logGroupName="/durable", logStreamName="s", startFromHead=True)["events"]
                self.assertEqual([e["message"] for e in events], ["m0", "m1", "m2"])
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
