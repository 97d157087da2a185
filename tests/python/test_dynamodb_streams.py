"""DynamoDB Streams and TTL through boto3 (dynamodb + dynamodbstreams clients): AWS's shapes and messages."""
import tempfile
import time
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})


def client(url, service):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=CONFIG,
                        aws_access_key_id="test", aws_secret_access_key="test")


def create(ddb, name, view="NEW_AND_OLD_IMAGES"):
    return ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )["TableDescription"]


def read_all(streams, iterator, limit=None):
    records = []
    for _ in range(20):
        kwargs = {"ShardIterator": iterator}
        if limit:
            kwargs["Limit"] = limit
        out = streams.get_records(**kwargs)
        records += out["Records"]
        iterator = out.get("NextShardIterator")
        if not out["Records"] or iterator is None:
            break
    return records, iterator


class StreamsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.ddb = client(cls.server.url, "dynamodb")
        cls.streams = client(cls.server.url, "dynamodbstreams")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def error(self, fn, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def shard(self, arn):
        desc = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        return desc, desc["Shards"][0]["ShardId"]

    def test_table_description_and_stream_description(self):
        table = create(self.ddb, "st-desc", "KEYS_ONLY")
        arn = table["LatestStreamArn"]
        label = table["LatestStreamLabel"]
        self.assertEqual(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/st-desc/stream/" + label)
        self.assertRegex(label, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")
        self.assertEqual(table["StreamSpecification"], {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        listed = self.streams.list_streams(TableName="st-desc")["Streams"]
        self.assertEqual(listed, [{"StreamArn": arn, "TableName": "st-desc", "StreamLabel": label}])
        desc, shard = self.shard(arn)
        self.assertEqual(desc["StreamStatus"], "ENABLED")
        self.assertEqual(desc["StreamViewType"], "KEYS_ONLY")
        self.assertEqual(desc["TableName"], "st-desc")
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        self.assertRegex(shard, r"^shardId-\d{20}-[0-9a-f]{8}$")
        self.assertEqual(len(desc["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"]), 21)
        self.assertNotIn("EndingSequenceNumber", desc["Shards"][0]["SequenceNumberRange"])

    def test_records_for_insert_modify_remove(self):
        arn = create(self.ddb, "st-rec")["LatestStreamArn"]
        _, shard = self.shard(arn)
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        self.ddb.put_item(TableName="st-rec", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
        self.ddb.put_item(TableName="st-rec", Item={"pk": {"S": "a"}, "v": {"N": "1"}})  # no change: no record
        self.ddb.update_item(TableName="st-rec", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                             ExpressionAttributeValues={":v": {"N": "2"}})
        self.ddb.delete_item(TableName="st-rec", Key={"pk": {"S": "a"}})
        self.ddb.delete_item(TableName="st-rec", Key={"pk": {"S": "missing"}})  # nothing deleted: no record
        records, nxt = read_all(self.streams, it)
        self.assertIsNotNone(nxt)
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE"])
        for r in records:
            self.assertEqual(r["eventVersion"], "1.1")
            self.assertEqual(r["eventSource"], "aws:dynamodb")
            self.assertEqual(r["awsRegion"], "us-east-1")
            self.assertRegex(r["eventID"], r"^[0-9a-f]{32}$")
            self.assertEqual(r["dynamodb"]["Keys"], {"pk": {"S": "a"}})
            self.assertEqual(r["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
            self.assertGreater(r["dynamodb"]["SizeBytes"], 0)
            self.assertIn("ApproximateCreationDateTime", r["dynamodb"])
            self.assertNotIn("userIdentity", r)
        seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 3)
        self.assertEqual(records[0]["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertNotIn("OldImage", records[0]["dynamodb"])
        self.assertEqual(records[1]["dynamodb"]["OldImage"], {"pk": {"S": "a"}, "v": {"N": "1"}})
        self.assertEqual(records[1]["dynamodb"]["NewImage"], {"pk": {"S": "a"}, "v": {"N": "2"}})
        self.assertEqual(records[2]["dynamodb"]["OldImage"], {"pk": {"S": "a"}, "v": {"N": "2"}})
        self.assertNotIn("NewImage", records[2]["dynamodb"])
        # AT / AFTER a sequence number
        at = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                             SequenceNumber=seqs[1])["ShardIterator"]
        self.assertEqual([r["dynamodb"]["SequenceNumber"] for r in read_all(self.streams, at)[0]], seqs[1:])
        after = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                                SequenceNumber=seqs[1])["ShardIterator"]
        self.assertEqual([r["dynamodb"]["SequenceNumber"] for r in read_all(self.streams, after)[0]], seqs[2:])
        # Limit pages with NextShardIterator
        out = self.streams.get_records(ShardIterator=it, Limit=2)
        self.assertEqual(len(out["Records"]), 2)
        out2 = self.streams.get_records(ShardIterator=out["NextShardIterator"], Limit=2)
        self.assertEqual([r["eventName"] for r in out2["Records"]], ["REMOVE"])
        # LATEST sees only later changes
        latest = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
        self.assertEqual(self.streams.get_records(ShardIterator=latest)["Records"], [])
        self.ddb.put_item(TableName="st-rec", Item={"pk": {"S": "b"}})
        self.assertEqual([r["dynamodb"]["Keys"] for r in self.streams.get_records(ShardIterator=latest)["Records"]],
                         [{"pk": {"S": "b"}}])

    def test_view_types_and_batch_and_transactions(self):
        arn = create(self.ddb, "st-keys", "KEYS_ONLY")["LatestStreamArn"]
        _, shard = self.shard(arn)
        self.ddb.batch_write_item(RequestItems={"st-keys": [{"PutRequest": {"Item": {"pk": {"S": k}, "x": {"S": "y"}}}} for k in "abc"]})
        self.ddb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "st-keys", "Key": {"pk": {"S": "a"}}}},
            {"Update": {"TableName": "st-keys", "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET z = :z",
                        "ExpressionAttributeValues": {":z": {"N": "1"}}}},
        ])
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records, _ = read_all(self.streams, it)
        self.assertEqual(sorted(r["eventName"] for r in records), ["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE"])
        for r in records:
            self.assertNotIn("NewImage", r["dynamodb"])
            self.assertNotIn("OldImage", r["dynamodb"])
            self.assertEqual(r["dynamodb"]["StreamViewType"], "KEYS_ONLY")

    def test_disable_closes_the_shard_and_enable_makes_a_new_stream(self):
        arn = create(self.ddb, "st-dis", "NEW_IMAGE")["LatestStreamArn"]
        self.ddb.put_item(TableName="st-dis", Item={"pk": {"S": "a"}})
        code, msg = self.error(self.ddb.update_table, TableName="st-dis",
                               StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        self.assertEqual((code, msg), ("ValidationException", "Table already has an enabled stream: " + arn))
        self.ddb.update_table(TableName="st-dis", StreamSpecification={"StreamEnabled": False})
        desc, shard = self.shard(arn)
        self.assertEqual(desc["StreamStatus"], "DISABLED")
        self.assertEqual(len(desc["Shards"][0]["SequenceNumberRange"]["EndingSequenceNumber"]), 21)
        self.ddb.put_item(TableName="st-dis", Item={"pk": {"S": "after"}})
        it = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out = self.streams.get_records(ShardIterator=it)
        self.assertEqual([r["dynamodb"]["Keys"] for r in out["Records"]], [{"pk": {"S": "a"}}])
        self.assertNotIn("NextShardIterator", out)
        time.sleep(0.01)
        table = self.ddb.update_table(TableName="st-dis", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
        self.assertNotEqual(table["LatestStreamArn"], arn)
        self.assertEqual(len(self.streams.list_streams(TableName="st-dis")["Streams"]), 2)

    def test_errors(self):
        arn = create(self.ddb, "st-err")["LatestStreamArn"]
        _, shard = self.shard(arn)
        missing = "arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/2020-01-01T00:00:00.000"
        self.assertEqual(self.error(self.streams.describe_stream, StreamArn=missing),
                         ("ResourceNotFoundException", "Requested resource not found: Stream: %s not found" % missing))
        code, _ = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                             ShardIteratorType="LATEST")
        self.assertEqual(code, "ResourceNotFoundException")
        code, _ = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER")
        self.assertEqual(code, "ValidationException")
        code, msg = self.error(self.streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="BOGUS")
        self.assertEqual(code, "ValidationException")
        self.assertIn("Member must satisfy enum value set", msg)
        code, _ = self.error(self.streams.get_records, ShardIterator="garbage")
        self.assertEqual(code, "ValidationException")


class TtlTest(unittest.TestCase):
    def test_expired_items_are_swept_with_service_identity(self):
        server = Server()
        try:
            ddb = client(server.url, "dynamodb")
            streams = client(server.url, "dynamodbstreams")
            arn = create(ddb, "ttl-t")["LatestStreamArn"]
            ddb.update_time_to_live(TableName="ttl-t", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
            now = int(time.time())
            ddb.put_item(TableName="ttl-t", Item={"pk": {"S": "old"}, "exp": {"N": str(now - 60)}})
            ddb.put_item(TableName="ttl-t", Item={"pk": {"S": "new"}, "exp": {"N": str(now + 3600)}})
            ddb.put_item(TableName="ttl-t", Item={"pk": {"S": "str"}, "exp": {"S": str(now - 60)}})
            deadline = time.time() + 10
            while time.time() < deadline and "Item" in ddb.get_item(TableName="ttl-t", Key={"pk": {"S": "old"}}):
                time.sleep(0.2)
            self.assertNotIn("Item", ddb.get_item(TableName="ttl-t", Key={"pk": {"S": "old"}}))
            self.assertIn("Item", ddb.get_item(TableName="ttl-t", Key={"pk": {"S": "new"}}))
            self.assertIn("Item", ddb.get_item(TableName="ttl-t", Key={"pk": {"S": "str"}}))
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            records, _ = read_all(streams, it)
            removes = [r for r in records if r["eventName"] == "REMOVE"]
            self.assertEqual(len(removes), 1)
            self.assertEqual(removes[0]["userIdentity"], {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
            self.assertEqual(removes[0]["dynamodb"]["OldImage"]["pk"], {"S": "old"})
        finally:
            server.stop()


class StreamsDurabilityTest(unittest.TestCase):
    def test_stream_records_survive_sigkill(self):
        with tempfile.TemporaryDirectory() as data:
            server = Server(data_dir=data)
            try:
                ddb = client(server.url, "dynamodb")
                arn = create(ddb, "st-durable")["LatestStreamArn"]
                for i in range(5):
                    ddb.put_item(TableName="st-durable", Item={"pk": {"S": "k%d" % i}})
            finally:
                server.kill9()
            server = Server(data_dir=data)
            try:
                ddb = client(server.url, "dynamodb")
                streams = client(server.url, "dynamodbstreams")
                shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
                it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
                before, _ = read_all(streams, it)
                self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in before], ["k%d" % i for i in range(5)])
                ddb.put_item(TableName="st-durable", Item={"pk": {"S": "k5"}})
                after, _ = read_all(streams, it)
                self.assertEqual(len(after), 6)
                seqs = [r["dynamodb"]["SequenceNumber"] for r in after]
                self.assertEqual(seqs, sorted(seqs))
                self.assertGreater(seqs[5], seqs[4])
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
