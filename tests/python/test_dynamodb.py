"""DynamoDB through boto3 (client and resource API, batch_writer) and the AWS CLI: AWS's shapes and exact messages."""
import concurrent.futures
import json
import os
import subprocess
import tempfile
import unittest
from decimal import Decimal

import boto3
import botocore.config
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=64)


def make_client(url, service="dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=CONFIG,
                        aws_access_key_id="test", aws_secret_access_key="test")


class DynamoDbTestBase(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.ddb = make_client(cls.server.url)
        cls.resource = boto3.resource("dynamodb", endpoint_url=cls.server.url, region_name="us-east-1", config=CONFIG,
                                      aws_access_key_id="test", aws_secret_access_key="test")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def error(self, fn, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response

    def assertError(self, code, message, fn, **kwargs):
        r = self.error(fn, **kwargs)
        self.assertEqual(r["Error"]["Code"], code)
        self.assertEqual(r["Error"]["Message"], message)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 400)
        return r

    def create(self, name, hash_type="S", range_type=None, **extra):
        attrs = [{"AttributeName": "pk", "AttributeType": hash_type}]
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        if range_type:
            attrs.append({"AttributeName": "sk", "AttributeType": range_type})
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs += extra.pop("ExtraAttributes", [])
        return self.ddb.create_table(TableName=name, AttributeDefinitions=attrs, KeySchema=keys,
                                     BillingMode="PAY_PER_REQUEST", **extra)


class TableTests(DynamoDbTestBase):
    def test_create_describe_list_delete(self):
        r = self.ddb.create_table(
            TableName="tbl1",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
            GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"},
                                     "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}])
        d = r["TableDescription"]
        self.assertEqual(d["TableStatus"], "ACTIVE")
        self.assertEqual(d["TableArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/tbl1")
        self.assertEqual(d["ProvisionedThroughput"]["ReadCapacityUnits"], 5)
        self.assertEqual(d["ProvisionedThroughput"]["NumberOfDecreasesToday"], 0)
        self.assertEqual(d["ItemCount"], 0)
        self.assertEqual(d["GlobalSecondaryIndexes"][0]["IndexArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/tbl1/index/byG")
        self.assertEqual(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE")
        self.assertEqual(len(d["TableId"]), 36)
        desc = self.ddb.describe_table(TableName="tbl1")["Table"]
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
        self.assertEqual(desc["TableId"], d["TableId"])
        self.assertIn("tbl1", self.ddb.list_tables()["TableNames"])
        self.assertError("ResourceInUseException", "Table already exists: tbl1", self.ddb.create_table,
                         TableName="tbl1", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        deleted = self.ddb.delete_table(TableName="tbl1")["TableDescription"]
        self.assertEqual(deleted["TableStatus"], "DELETING")
        self.assertError("ResourceNotFoundException", "Requested resource not found: Table: tbl1 not found",
                         self.ddb.describe_table, TableName="tbl1")
        self.assertError("ResourceNotFoundException", "Requested resource not found: Table: tbl1 not found",
                         self.ddb.delete_table, TableName="tbl1")

    def test_create_validation_messages(self):
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                         self.ddb.create_table, TableName="bad1", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                         ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                         self.ddb.create_table, TableName="bad2", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
                         self.ddb.create_table, TableName="bad3", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                                                         {"AttributeName": "x", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                         self.ddb.create_table, TableName="bad4", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                                                         {"AttributeName": "l", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                         LocalSecondaryIndexes=[{"IndexName": "lsi1", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                                                 "Projection": {"ProjectionType": "ALL"}}])
        self.assertError("ValidationException",
                         "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
                         self.ddb.create_table, TableName="ab", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        self.assertError("ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
                         self.ddb.create_table, TableName="bad5", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}], BillingMode="PAY_PER_REQUEST")

    def test_list_tables_pagination(self):
        for n in ("pagA", "pagB", "pagC"):
            self.create(n)
        first = self.ddb.list_tables(Limit=2)
        self.assertEqual(len(first["TableNames"]), 2)
        self.assertEqual(first["LastEvaluatedTableName"], first["TableNames"][-1])
        rest = self.ddb.list_tables(ExclusiveStartTableName=first["LastEvaluatedTableName"])
        self.assertNotIn(first["TableNames"][0], rest["TableNames"])
        names = [n for n in first["TableNames"] + rest["TableNames"] if n.startswith("pag")]
        self.assertEqual(names, ["pagA", "pagB", "pagC"])

    def test_update_table_ttl_and_tags(self):
        arn = self.create("upd1")["TableDescription"]["TableArn"]
        d = self.ddb.update_table(TableName="upd1", BillingMode="PROVISIONED",
                                  ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 8})["TableDescription"]
        self.assertEqual(d["ProvisionedThroughput"]["ReadCapacityUnits"], 7)
        self.assertEqual(d["BillingModeSummary"]["BillingMode"], "PROVISIONED")
        self.assertEqual(self.ddb.describe_time_to_live(TableName="upd1")["TimeToLiveDescription"], {"TimeToLiveStatus": "DISABLED"})
        r = self.ddb.update_time_to_live(TableName="upd1", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        self.assertEqual(r["TimeToLiveSpecification"], {"Enabled": True, "AttributeName": "exp"})
        self.assertEqual(self.ddb.describe_time_to_live(TableName="upd1")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"})
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"], [{"Key": "b", "Value": "2"}])


class ItemTests(DynamoDbTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb.create_table(TableName="items", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")

    def test_put_get_roundtrip_all_types_and_number_normalisation(self):
        item = {"pk": {"S": "t1"}, "n": {"N": "1.50"}, "big": {"N": "12345678901234567890123456789012345678"},
                "e": {"N": "1E+3"}, "neg": {"N": "-0.000100"}, "b": {"B": b"\x00\x01"}, "t": {"BOOL": True},
                "nul": {"NULL": True}, "l": {"L": [{"S": "x"}, {"N": "2"}]}, "m": {"M": {"k": {"S": "v"}}},
                "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.0"]}, "bs": {"BS": [b"a"]}, "empty": {"S": ""}}
        self.ddb.put_item(TableName="items", Item=item)
        got = self.ddb.get_item(TableName="items", Key={"pk": {"S": "t1"}}, ConsistentRead=True)["Item"]
        self.assertEqual(got["n"], {"N": "1.5"})
        self.assertEqual(got["big"], {"N": "12345678901234567890123456789012345678"})
        self.assertEqual(got["e"], {"N": "1000"})
        self.assertEqual(got["neg"], {"N": "-0.0001"})
        self.assertEqual(got["b"], {"B": b"\x00\x01"})
        self.assertEqual(got["l"], {"L": [{"S": "x"}, {"N": "2"}]})
        self.assertEqual(sorted(got["ns"]["NS"]), ["1", "2"])
        self.assertEqual(got["empty"], {"S": ""})
        self.assertEqual(got["nul"], {"NULL": True})

    def test_value_validation_messages(self):
        self.assertError("ValidationException", "One or more parameter values were invalid: An string set  may not be empty",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "s": {"SS": []}})
        self.assertError("ValidationException", "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "s": {"SS": ["a", "a"]}})
        self.assertError("ValidationException", "Attempting to store more than 38 significant digits in a Number",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "n": {"N": "1" * 39}})
        self.assertError("ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "n": {"N": "1E126"}})
        self.assertError("ValidationException", "Number underflow. Attempting to store a number with magnitude smaller than supported range",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "n": {"N": "1E-131"}})
        self.assertError("ValidationException", "A value provided cannot be converted into a number",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "v"}, "n": {"N": "abc"}})
        self.assertError("ValidationException", "One or more parameter values were invalid: Missing the key pk in the item",
                         self.ddb.put_item, TableName="items", Item={"x": {"S": "v"}})
        self.assertError("ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
                         self.ddb.put_item, TableName="items", Item={"pk": {"N": "1"}})
        self.assertError("ValidationException",
                         "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": ""}})
        self.assertError("ValidationException", "The provided key element does not match the schema",
                         self.ddb.get_item, TableName="items", Key={"pk": {"S": "x"}, "extra": {"S": "y"}})
        self.assertError("ValidationException", "Item size has exceeded the maximum allowed size",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "big"}, "d": {"S": "x" * (400 * 1024)}})
        self.assertError("ResourceNotFoundException", "Requested resource not found",
                         self.ddb.get_item, TableName="nosuchtable", Key={"pk": {"S": "x"}})

    def test_conditions_and_return_values(self):
        self.ddb.put_item(TableName="items", Item={"pk": {"S": "c1"}, "v": {"N": "1"}})
        r = self.assertError("ConditionalCheckFailedException", "The conditional request failed", self.ddb.put_item,
                             TableName="items", Item={"pk": {"S": "c1"}}, ConditionExpression="attribute_not_exists(pk)",
                             ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(r["Item"], {"pk": {"S": "c1"}, "v": {"N": "1"}})
        old = self.ddb.put_item(TableName="items", Item={"pk": {"S": "c1"}, "v": {"N": "2"}},
                                ConditionExpression="v = :one AND (begins_with(pk, :c) OR size(pk) > :n)",
                                ExpressionAttributeValues={":one": {"N": "1.0"}, ":c": {"S": "c"}, ":n": {"N": "10"}},
                                ReturnValues="ALL_OLD")
        self.assertEqual(old["Attributes"]["v"], {"N": "1"})
        self.ddb.delete_item(TableName="items", Key={"pk": {"S": "c1"}}, ConditionExpression="v BETWEEN :a AND :b",
                             ExpressionAttributeValues={":a": {"N": "2"}, ":b": {"N": "3"}})
        self.assertNotIn("Item", self.ddb.get_item(TableName="items", Key={"pk": {"S": "c1"}}))

    def test_expression_validation_messages(self):
        self.assertError("ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="attribute_not_exists(pk)",
                         ExpressionAttributeValues={":x": {"S": "a"}})
        self.assertError("ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="attribute_not_exists(pk)",
                         ExpressionAttributeNames={"#u": "a"})
        self.assertError("ValidationException",
                         "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="a = :v")
        self.assertError("ValidationException",
                         "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="attribute_exists(name)")
        self.assertError("ValidationException", "ExpressionAttributeValues can only be specified when using expressions",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ExpressionAttributeValues={":v": {"S": "a"}})
        self.assertError("ValidationException", "Invalid ConditionExpression: The expression has redundant parentheses;",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="((attribute_not_exists(pk)))")
        self.assertError("ValidationException",
                         "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, Expected={"pk": {"Exists": False}},
                         ConditionExpression="attribute_not_exists(pk)")
        self.assertError("ValidationException", "Invalid ConditionExpression: Invalid function name; function: foo",
                         self.ddb.put_item, TableName="items", Item={"pk": {"S": "e"}}, ConditionExpression="foo(a)")

    def test_update_expression(self):
        self.ddb.put_item(TableName="items", Item={"pk": {"S": "u1"}, "cnt": {"N": "5"}, "l": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
                                                   "m": {"M": {"a": {"M": {"b": {"S": "x"}}}}}, "tags": {"SS": ["a", "b"]}, "tags2": {"SS": ["a", "b"]}})
        r = self.ddb.update_item(
            TableName="items", Key={"pk": {"S": "u1"}},
            UpdateExpression="SET cnt = cnt + :one, m.a.c = :v, newl = list_append(if_not_exists(newl, :empty), :lv), #n = :v "
                             "REMOVE l[0], m.a.b ADD num :one, tags :add DELETE tags2 :del",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":v": {"S": "y"}, ":empty": {"L": []}, ":lv": {"L": [{"S": "z"}]},
                                       ":add": {"SS": ["c"]}, ":del": {"SS": ["a"]}},
            ReturnValues="ALL_NEW")["Attributes"]
        self.assertEqual(r["cnt"], {"N": "6"})
        self.assertEqual(r["m"], {"M": {"a": {"M": {"c": {"S": "y"}}}}})
        self.assertEqual(r["newl"], {"L": [{"S": "z"}]})
        self.assertEqual(r["l"], {"L": [{"N": "2"}, {"N": "3"}]})
        self.assertEqual(r["num"], {"N": "1"})
        self.assertEqual(sorted(r["tags"]["SS"]), ["a", "b", "c"])
        self.assertEqual(r["tags2"], {"SS": ["b"]})
        self.assertEqual(r["name"], {"S": "y"})
        upd = self.ddb.update_item(TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET cnt = cnt - :one",
                                   ExpressionAttributeValues={":one": {"N": "0.5"}}, ReturnValues="UPDATED_NEW")
        self.assertEqual(upd["Attributes"], {"cnt": {"N": "5.5"}})
        old = self.ddb.update_item(TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="REMOVE cnt", ReturnValues="UPDATED_OLD")
        self.assertEqual(old["Attributes"], {"cnt": {"N": "5.5"}})
        self.assertError("ValidationException",
                         "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
                         self.ddb.update_item, TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET pk = :v",
                         ExpressionAttributeValues={":v": {"S": "x"}})
        self.assertError("ValidationException",
                         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, a]",
                         self.ddb.update_item, TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET m = :v REMOVE m.a",
                         ExpressionAttributeValues={":v": {"S": "x"}})
        self.assertError("ValidationException", "An operand in the update expression has an incorrect data type",
                         self.ddb.update_item, TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET #n = #n + :one",
                         ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":one": {"N": "1"}})
        self.assertError("ValidationException", "The provided expression refers to an attribute that does not exist in the item",
                         self.ddb.update_item, TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET x = absent + :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
        self.assertError("ValidationException", "The document path provided in the update expression is invalid for update",
                         self.ddb.update_item, TableName="items", Key={"pk": {"S": "u1"}}, UpdateExpression="SET nope.a = :one",
                         ExpressionAttributeValues={":one": {"N": "1"}})
        # upsert creates the item from its key
        created = self.ddb.update_item(TableName="items", Key={"pk": {"S": "u2"}}, UpdateExpression="ADD c :one",
                                       ExpressionAttributeValues={":one": {"N": "3"}}, ReturnValues="ALL_NEW")["Attributes"]
        self.assertEqual(created, {"pk": {"S": "u2"}, "c": {"N": "3"}})

    def test_projection_expression(self):
        self.ddb.put_item(TableName="items", Item={"pk": {"S": "p1"}, "a": {"M": {"b": {"S": "1"}, "c": {"S": "2"}}},
                                                   "l": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]}, "o": {"S": "other"}})
        got = self.ddb.get_item(TableName="items", Key={"pk": {"S": "p1"}}, ProjectionExpression="a.b, l[2], #o",
                                ExpressionAttributeNames={"#o": "o"})["Item"]
        self.assertEqual(got, {"a": {"M": {"b": {"S": "1"}}}, "l": {"L": [{"S": "z"}]}, "o": {"S": "other"}})

    def test_consumed_capacity(self):
        r = self.ddb.put_item(TableName="items", Item={"pk": {"S": "cap"}, "d": {"S": "x" * 1500}}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(r["ConsumedCapacity"]["TableName"], "items")
        self.assertEqual(r["ConsumedCapacity"]["CapacityUnits"], 2.0)
        g = self.ddb.get_item(TableName="items", Key={"pk": {"S": "cap"}}, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(g["ConsumedCapacity"]["CapacityUnits"], 0.5)
        g = self.ddb.get_item(TableName="items", Key={"pk": {"S": "cap"}}, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
        self.assertEqual(g["ConsumedCapacity"]["CapacityUnits"], 1.0)

    def test_concurrent_conditional_increments_lose_nothing(self):
        self.ddb.put_item(TableName="items", Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
        clients = [make_client(self.server.url) for _ in range(8)]

        def worker(i):
            c = clients[i % len(clients)]
            while True:
                cur = c.get_item(TableName="items", Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]["n"]["N"]
                try:
                    c.update_item(TableName="items", Key={"pk": {"S": "counter"}}, UpdateExpression="SET n = n + :one",
                                  ConditionExpression="n = :cur", ExpressionAttributeValues={":one": {"N": "1"}, ":cur": {"N": cur}})
                    return
                except ClientError as e:
                    if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                        raise

        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            list(pool.map(worker, range(64)))
        final = self.ddb.get_item(TableName="items", Key={"pk": {"S": "counter"}}, ConsistentRead=True)["Item"]["n"]["N"]
        self.assertEqual(final, "64")


class QueryTests(DynamoDbTestBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ddb.create_table(
            TableName="qtab", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                                     "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
            LocalSecondaryIndexes=[{"IndexName": "byL", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                                    "Projection": {"ProjectionType": "KEYS_ONLY"}}])
        for i in range(-5, 15):
            item = {"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"N": str(i * 10)}, "other": {"S": "o%d" % i}, "l": {"S": "l%03d" % (20 - i)}}
            if i % 2 == 0:
                item["g"] = {"S": "even"}
            cls.ddb.put_item(TableName="qtab", Item=item)
        cls.ddb.put_item(TableName="qtab", Item={"pk": {"S": "other"}, "sk": {"N": "1"}})

    def query(self, **kw):
        return self.ddb.query(TableName="qtab", **kw)

    def test_numeric_sort_order_and_conditions(self):
        r = self.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
        self.assertEqual([int(i["sk"]["N"]) for i in r["Items"]], list(range(-5, 15)))
        self.assertEqual(r["Count"], 20)
        r = self.query(KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b", ExpressionAttributeValues={":p": {"S": "p"}, ":a": {"N": "-2"}, ":b": {"N": "2"}},
                       ScanIndexForward=False)
        self.assertEqual([int(i["sk"]["N"]) for i in r["Items"]], [2, 1, 0, -1, -2])
        for op, expected in (("<", [-5, -4]), ("<=", [-5, -4, -3]), (">", [13, 14]), (">=", [12, 13, 14]), ("=", [7])):
            val = {"<": "-3", "<=": "-3", ">": "12", ">=": "12", "=": "7"}[op]
            r = self.query(KeyConditionExpression="pk = :p AND sk %s :v" % op, ExpressionAttributeValues={":p": {"S": "p"}, ":v": {"N": val}})
            got = [int(i["sk"]["N"]) for i in r["Items"]]
            self.assertEqual(got[:2] if op == "<" else got[-len(expected):] if op in (">", ">=") else got, expected)

    def test_filter_limit_pagination_count(self):
        r = self.query(KeyConditionExpression="pk = :p", FilterExpression="v > :z", ExpressionAttributeValues={":p": {"S": "p"}, ":z": {"N": "0"}}, Limit=8)
        self.assertEqual(r["ScannedCount"], 8)
        self.assertEqual([int(i["sk"]["N"]) for i in r["Items"]], [1, 2])
        self.assertEqual(r["LastEvaluatedKey"], {"pk": {"S": "p"}, "sk": {"N": "2"}})
        r2 = self.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}, ExclusiveStartKey=r["LastEvaluatedKey"], Limit=3)
        self.assertEqual([int(i["sk"]["N"]) for i in r2["Items"]], [3, 4, 5])
        c = self.query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}, Select="COUNT")
        self.assertEqual(c["Count"], 20)
        self.assertNotIn("Items", c)

    def test_index_queries(self):
        r = self.query(IndexName="byG", KeyConditionExpression="g = :g AND sk > :z", ExpressionAttributeValues={":g": {"S": "even"}, ":z": {"N": "9"}})
        self.assertEqual([int(i["sk"]["N"]) for i in r["Items"]], [10, 12, 14])
        self.assertEqual(set(r["Items"][0].keys()), {"pk", "sk", "g", "v"})
        r = self.query(IndexName="byL", KeyConditionExpression="pk = :p AND begins_with(l, :pre)", ExpressionAttributeValues={":p": {"S": "p"}, ":pre": {"S": "l00"}})
        self.assertEqual([i["l"]["S"] for i in r["Items"]], ["l006", "l007", "l008", "l009"])
        self.assertEqual(set(r["Items"][0].keys()), {"pk", "sk", "l"})
        page = self.query(IndexName="byG", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "even"}}, Limit=2)
        self.assertEqual(page["LastEvaluatedKey"], {"pk": {"S": "p"}, "sk": {"N": "-2"}, "g": {"S": "even"}})
        self.assertError("ValidationException", "Consistent reads are not supported on global secondary indexes", self.query,
                         IndexName="byG", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "even"}}, ConsistentRead=True)

    def test_query_validation_messages(self):
        self.assertError("ValidationException", "Query condition missed key schema element: pk", self.query,
                         KeyConditionExpression="sk = :v", ExpressionAttributeValues={":v": {"N": "1"}})
        self.assertError("ValidationException", "Invalid KeyConditionExpression: The expression can not be empty;", self.query,
                         KeyConditionExpression="", ExpressionAttributeValues={":v": {"N": "1"}})
        self.assertError("ValidationException",
                         "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #missing",
                         self.query, KeyConditionExpression="pk = :p", FilterExpression="#missing = :p", ExpressionAttributeValues={":p": {"S": "p"}})
        self.assertError("ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type",
                         self.query, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"N": "1"}})

    def test_scan_segments_and_filters(self):
        seen = []
        for seg in range(3):
            r = self.ddb.scan(TableName="qtab", Segment=seg, TotalSegments=3)
            seen += [(i["pk"]["S"], i["sk"]["N"]) for i in r["Items"]]
        self.assertEqual(len(seen), 21)
        self.assertEqual(len(set(seen)), 21)
        r = self.ddb.scan(TableName="qtab", FilterExpression="attribute_exists(g) AND v IN (:a, :b)",
                          ExpressionAttributeValues={":a": {"N": "20"}, ":b": {"N": "40"}})
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in r["Items"]), [2, 4])
        self.assertError("ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3",
                         self.ddb.scan, TableName="qtab", Segment=3, TotalSegments=3)
        items, key = [], None
        while True:
            kw = {"ExclusiveStartKey": key} if key else {}
            r = self.ddb.scan(TableName="qtab", Limit=6, **kw)
            items += r["Items"]
            key = r.get("LastEvaluatedKey")
            if not key:
                break
        self.assertEqual(len(items), 21)


class BatchAndResourceTests(DynamoDbTestBase):
    def test_resource_api_and_batch_writer(self):
        self.resource.create_table(TableName="res", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}], BillingMode="PAY_PER_REQUEST")
        table = self.resource.Table("res")
        table.wait_until_exists()
        with table.batch_writer() as batch:
            for i in range(60):
                batch.put_item(Item={"id": i, "price": Decimal("1.25") * i, "tags": {"a", "b"}})
        self.assertEqual(table.get_item(Key={"id": 3})["Item"], {"id": Decimal(3), "price": Decimal("3.75"), "tags": {"a", "b"}})
        r = table.scan(FilterExpression=Attr("price").gt(Decimal("70")))
        self.assertEqual(sorted(int(i["id"]) for i in r["Items"]), [57, 58, 59])
        table.update_item(Key={"id": 1}, UpdateExpression="ADD tags :t", ExpressionAttributeValues={":t": {"c"}})
        self.assertEqual(table.get_item(Key={"id": 1})["Item"]["tags"], {"a", "b", "c"})
        with table.batch_writer() as batch:
            for i in range(30):
                batch.delete_item(Key={"id": i})
        self.assertEqual(table.scan(Select="COUNT")["Count"], 30)
        self.assertEqual(table.item_count, 30)

    def test_batch_get_write_limits(self):
        self.create("btab")
        self.ddb.batch_write_item(RequestItems={"btab": [{"PutRequest": {"Item": {"pk": {"S": "k%d" % i}}}} for i in range(25)]})
        r = self.ddb.batch_get_item(RequestItems={"btab": {"Keys": [{"pk": {"S": "k%d" % i}} for i in range(5)] + [{"pk": {"S": "none"}}]}})
        self.assertEqual(len(r["Responses"]["btab"]), 5)
        self.assertEqual(r["UnprocessedKeys"], {})
        self.create("btab2")
        self.assertError("ValidationException", "Too many items requested for the BatchWriteItem call", self.ddb.batch_write_item,
                         RequestItems={t: [{"PutRequest": {"Item": {"pk": {"S": "x%d" % i}}}} for i in range(13)] for t in ("btab", "btab2")})
        self.assertError("ValidationException", "The provided key element does not match the schema", self.ddb.batch_write_item,
                         RequestItems={"btab": [{"PutRequest": {"Item": {"pk": {"N": "5"}}}}]})
        self.assertError("ValidationException", "Provided list of item keys contains duplicates", self.ddb.batch_write_item,
                         RequestItems={"btab": [{"PutRequest": {"Item": {"pk": {"S": "d"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "d"}}}}]})
        self.assertError("ValidationException", "Too many items requested for the BatchGetItem call", self.ddb.batch_get_item,
                         RequestItems={t: {"Keys": [{"pk": {"S": "k%d" % i}} for i in range(51)]} for t in ("btab", "btab2")})

    def test_transactions(self):
        self.create("txtab")
        self.ddb.put_item(TableName="txtab", Item={"pk": {"S": "a"}, "bal": {"N": "10"}})
        self.ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "txtab", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET bal = bal - :x",
                        "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": {":x": {"N": "4"}}}},
            {"Put": {"TableName": "txtab", "Item": {"pk": {"S": "b"}, "bal": {"N": "4"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
        r = self.error(self.ddb.transact_write_items, TransactItems=[
            {"ConditionCheck": {"TableName": "txtab", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "bal > :x",
                                "ExpressionAttributeValues": {":x": {"N": "100"}}}},
            {"Delete": {"TableName": "txtab", "Key": {"pk": {"S": "b"}}}},
        ])
        self.assertEqual(r["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual(r["Error"]["Message"], "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]")
        self.assertEqual([c["Code"] for c in r["CancellationReasons"]], ["ConditionalCheckFailed", "None"])
        got = self.ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "txtab", "Key": {"pk": {"S": k}}}} for k in ("a", "b")])
        self.assertEqual([x["Item"]["bal"]["N"] for x in got["Responses"]], ["6", "4"])
        self.assertError("ValidationException", "Transaction request cannot include multiple operations on one item", self.ddb.transact_write_items,
                         TransactItems=[{"Delete": {"TableName": "txtab", "Key": {"pk": {"S": "a"}}}}, {"Delete": {"TableName": "txtab", "Key": {"pk": {"S": "a"}}}}])


class CliTests(DynamoDbTestBase):
    def cli(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        p = subprocess.run(["aws", "--endpoint-url", self.server.url, "dynamodb", *args, "--output", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
        return p

    def test_cli_roundtrip(self):
        p = self.cli("create-table", "--table-name", "cli", "--attribute-definitions", "AttributeName=id,AttributeType=S",
                     "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["TableDescription"]["TableName"], "cli")
        p = self.cli("put-item", "--table-name", "cli", "--item", '{"id": {"S": "1"}, "n": {"N": "42"}}')
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.cli("get-item", "--table-name", "cli", "--key", '{"id": {"S": "1"}}')
        self.assertEqual(json.loads(p.stdout)["Item"], {"id": {"S": "1"}, "n": {"N": "42"}})
        p = self.cli("describe-table", "--table-name", "missing")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceNotFoundException", p.stderr)
        self.assertIn("Requested resource not found: Table: missing not found", p.stderr)


class DurabilityTest(unittest.TestCase):
    def test_acknowledged_put_survives_sigkill(self):
        with tempfile.TemporaryDirectory() as data:
            server = Server(data_dir=data)
            try:
                c = make_client(server.url)
                c.create_table(TableName="dur", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
                for i in range(20):
                    c.put_item(TableName="dur", Item={"pk": {"S": "k%d" % i}, "v": {"N": str(i)}})
                server.kill9()
            finally:
                server.stop()
            server = Server(data_dir=data)
            try:
                c = make_client(server.url)
                for i in range(20):
                    self.assertEqual(c.get_item(TableName="dur", Key={"pk": {"S": "k%d" % i}})["Item"]["v"], {"N": str(i)})
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
