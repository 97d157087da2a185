"""DynamoDB PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) and transaction idempotency
through boto3 and the AWS CLI: AWS's shapes and error messages."""
import json
import os
import subprocess
import unittest

import boto3
import botocore.config
from botocore.exceptions import ClientError

from gureum_server import Server

CONFIG = botocore.config.Config(retries={"max_attempts": 1})


class PartiQLTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.ddb = boto3.client("dynamodb", endpoint_url=cls.server.url, region_name="us-east-1", config=CONFIG,
                               aws_access_key_id="test", aws_secret_access_key="test")
        cls.ddb.create_table(
            TableName="pql",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for i in range(10):
            cls.ddb.put_item(TableName="pql", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "odd": {"BOOL": i % 2 == 1},
                                                    "name": {"S": "n%d" % i}})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def error(self, fn, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def run_statement(self, statement, params=None, **kwargs):
        if params is not None:
            kwargs["Parameters"] = params
        return self.ddb.execute_statement(Statement=statement, **kwargs)

    def test_select_by_key_filter_projection(self):
        out = self.run_statement('SELECT * FROM "pql" WHERE pk = ? AND sk = ?', [{"S": "p"}, {"N": "3"}])
        self.assertEqual(out["Items"], [{"pk": {"S": "p"}, "sk": {"N": "3"}, "odd": {"BOOL": True}, "name": {"S": "n3"}}])
        out = self.run_statement("SELECT name FROM pql WHERE pk = 'p' AND odd = true AND sk BETWEEN 2 AND 6")
        self.assertEqual(out["Items"], [{"name": {"S": "n3"}}, {"name": {"S": "n5"}}])
        out = self.run_statement("SELECT sk FROM pql WHERE pk = 'p' AND sk IN [1, 8] OR name = 'n9'")
        self.assertEqual([i["sk"]["N"] for i in out["Items"]], ["1", "8", "9"])
        out = self.run_statement("SELECT * FROM pql WHERE pk = 'p' AND sk = 42")
        self.assertEqual(out["Items"], [])
        out = self.run_statement("SELECT sk FROM pql WHERE begins_with(name, 'n1') OR missing IS NOT MISSING")
        self.assertEqual(out["Items"], [{"sk": {"N": "1"}}])

    def test_select_pages_with_limit_and_next_token(self):
        seen = []
        token = None
        pages = 0
        while True:
            kwargs = {"Limit": 4}
            if token:
                kwargs["NextToken"] = token
            out = self.ddb.execute_statement(Statement="SELECT sk FROM pql WHERE pk = 'p'", **kwargs)
            seen += [int(i["sk"]["N"]) for i in out["Items"]]
            pages += 1
            token = out.get("NextToken")
            if not token:
                break
        self.assertEqual(seen, list(range(10)))
        self.assertEqual(pages, 3)

    def test_insert_update_delete(self):
        self.run_statement("INSERT INTO pql VALUE {'pk': 'w', 'sk': 1, 'tags': <<'a', 'b'>>, 'm': {'x': [1, 'two', null]}}")
        item = self.ddb.get_item(TableName="pql", Key={"pk": {"S": "w"}, "sk": {"N": "1"}})["Item"]
        self.assertEqual(item["m"], {"M": {"x": {"L": [{"N": "1"}, {"S": "two"}, {"NULL": True}]}}})
        self.assertEqual(sorted(item["tags"]["SS"]), ["a", "b"])
        self.assertEqual(self.error(self.run_statement, statement="INSERT INTO pql VALUE {'pk': 'w', 'sk': 1}"),
                         ("DuplicateItemException", "Duplicate primary key exists in table"))
        out = self.run_statement("UPDATE pql SET n = 5 SET m.x[0] = ? REMOVE tags WHERE pk = 'w' AND sk = 1 RETURNING ALL NEW *",
                                 [{"S": "one"}])
        self.assertEqual(out["Items"], [{"pk": {"S": "w"}, "sk": {"N": "1"}, "n": {"N": "5"},
                                         "m": {"M": {"x": {"L": [{"S": "one"}, {"S": "two"}, {"NULL": True}]}}}}])
        self.run_statement("UPDATE pql SET n = n + 2 WHERE pk = 'w' AND sk = 1")
        self.assertEqual(self.ddb.get_item(TableName="pql", Key={"pk": {"S": "w"}, "sk": {"N": "1"}})["Item"]["n"], {"N": "7"})
        self.assertEqual(self.error(self.run_statement, statement="UPDATE pql SET n = 1 WHERE pk = 'w' AND sk = 1 AND n = 99"),
                         ("ConditionalCheckFailedException", "The conditional request failed"))
        self.assertEqual(self.error(self.run_statement, statement="UPDATE pql SET n = 1 WHERE pk = 'nobody' AND sk = 1"),
                         ("ConditionalCheckFailedException", "The conditional request failed"))
        self.run_statement("DELETE FROM pql WHERE pk = 'w' AND sk = 1")
        self.assertNotIn("Item", self.ddb.get_item(TableName="pql", Key={"pk": {"S": "w"}, "sk": {"N": "1"}}))

    def test_common_mistakes(self):
        self.assertEqual(self.error(self.run_statement, statement="UPDATE pql SET n = 1 WHERE pk = 'p'"),
                         ("ValidationException", "Where clause does not contain a mandatory equality on all key attributes"))
        self.assertEqual(self.error(self.run_statement, statement="DELETE FROM pql WHERE sk = 1"),
                         ("ValidationException", "Where clause does not contain a mandatory equality on all key attributes"))
        self.assertEqual(self.error(self.run_statement, statement="SELECT * FROM pql WHERE pk = ?"),
                         ("ValidationException", "Number of parameters in request and statement don't match."))
        self.assertEqual(self.error(self.run_statement, statement="SELECT * FROM nope")[0], "ResourceNotFoundException")
        code, message = self.error(self.run_statement, statement="SELEKT * FROM pql")
        self.assertEqual(code, "ValidationException")
        self.assertTrue(message.startswith("Statement wasn't well formed, can't be processed: "), message)
        self.assertEqual(self.error(self.run_statement, statement="INSERT INTO pql VALUE {'pk': 'x'}"),
                         ("ValidationException", "One or more parameter values were invalid: Missing the key sk in the item"))
        self.assertEqual(self.error(self.run_statement, statement="UPDATE pql SET sk = 3 WHERE pk = 'p' AND sk = 1"),
                         ("ValidationException", "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key"))

    def test_batch_execute_statement(self):
        out = self.ddb.batch_execute_statement(Statements=[
            {"Statement": "INSERT INTO pql VALUE {'pk': 'b', 'sk': 1}"},
            {"Statement": "INSERT INTO pql VALUE {'pk': 'p', 'sk': 0}"},
            {"Statement": "UPDATE pql SET v = 1 WHERE pk = 'b'"},
        ])["Responses"]
        self.assertEqual(out[0], {"TableName": "pql"})
        self.assertEqual(out[1]["Error"], {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"})
        self.assertEqual(out[2]["Error"]["Code"], "ValidationError")
        reads = self.ddb.batch_execute_statement(Statements=[
            {"Statement": "SELECT * FROM pql WHERE pk = ? AND sk = ?", "Parameters": [{"S": "b"}, {"N": "1"}]},
            {"Statement": "SELECT * FROM pql WHERE pk = 'none' AND sk = 1"},
        ])["Responses"]
        self.assertEqual(reads[0], {"TableName": "pql", "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}})
        self.assertEqual(reads[1], {"TableName": "pql"})

    def test_execute_transaction(self):
        self.ddb.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO pql VALUE {'pk': 't', 'sk': 1}"},
            {"Statement": "INSERT INTO pql VALUE {'pk': 't', 'sk': 2}"},
        ])
        with self.assertRaises(ClientError) as cm:
            self.ddb.execute_transaction(TransactStatements=[
                {"Statement": "UPDATE pql SET v = 1 WHERE pk = 't' AND sk = 1"},
                {"Statement": "INSERT INTO pql VALUE {'pk': 't', 'sk': 2}"},
            ])
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual(err["Error"]["Message"],
                         "Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem]")
        self.assertNotIn("v", self.ddb.get_item(TableName="pql", Key={"pk": {"S": "t"}, "sk": {"N": "1"}})["Item"])
        reads = self.ddb.execute_transaction(TransactStatements=[
            {"Statement": "SELECT * FROM pql WHERE pk = 't' AND sk = 1"},
            {"Statement": "SELECT * FROM pql WHERE pk = 't' AND sk = 9"},
        ])["Responses"]
        self.assertEqual(reads, [{"Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}, {}])

    def test_client_request_token_idempotency(self):
        items = [{"Put": {"TableName": "pql", "Item": {"pk": {"S": "idem"}, "sk": {"N": "1"}}}}]
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")
        self.ddb.delete_item(TableName="pql", Key={"pk": {"S": "idem"}, "sk": {"N": "1"}})
        self.ddb.transact_write_items(TransactItems=items, ClientRequestToken="tok-1")  # replay: not applied again
        self.assertNotIn("Item", self.ddb.get_item(TableName="pql", Key={"pk": {"S": "idem"}, "sk": {"N": "1"}}))
        other = [{"Put": {"TableName": "pql", "Item": {"pk": {"S": "idem"}, "sk": {"N": "2"}}}}]
        code, _ = self.error(self.ddb.transact_write_items, TransactItems=other, ClientRequestToken="tok-1")
        self.assertEqual(code, "IdempotentParameterMismatchException")

    def test_batch_write_per_table_limit_message(self):
        with self.assertRaises(ClientError) as cm:
            self.ddb.batch_write_item(RequestItems={"pql": [{"PutRequest": {"Item": {"pk": {"S": "l"}, "sk": {"N": str(i)}}}} for i in range(26)]})
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException")
        self.assertTrue(err["Message"].startswith("1 validation error detected: Value '{pql=[com.amazonaws.dynamodb.v20120810.WriteRequest@"), err["Message"])
        self.assertTrue(err["Message"].endswith("]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
                                                "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"))

    def test_concurrent_transactions_conflict_and_lose_no_update(self):
        self.ddb.put_item(TableName="pql", Item={"pk": {"S": "ctr"}, "sk": {"N": "0"}, "n": {"N": "0"}})
        key = {"pk": {"S": "ctr"}, "sk": {"N": "0"}}
        outcomes = []

        def work(i):
            try:
                if i % 2:
                    self.ddb.transact_write_items(TransactItems=[{"Update": {
                        "TableName": "pql", "Key": key, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
                else:
                    self.ddb.update_item(TableName="pql", Key=key, UpdateExpression="ADD n :one",
                                         ExpressionAttributeValues={":one": {"N": "1"}})
                return "ok"
            except ClientError as e:
                err = e.response["Error"]
                if err["Code"] == "TransactionCanceledException":
                    self.assertEqual(err["Message"], "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]")
                    self.assertEqual(e.response["CancellationReasons"], [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}])
                    return "cancelled"
                self.assertEqual((err["Code"], err["Message"]), ("TransactionConflictException", "Transaction is ongoing for the item"))
                return "conflict"

        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            outcomes = list(pool.map(work, range(200)))
        final = int(self.ddb.get_item(TableName="pql", Key=key, ConsistentRead=True)["Item"]["n"]["N"])
        self.assertEqual(final, outcomes.count("ok"))
        self.assertEqual(len(outcomes), 200)

    def test_cli_execute_statement(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
        out = subprocess.run(["aws", "--endpoint-url", self.server.url, "dynamodb", "execute-statement",
                              "--statement", "SELECT name FROM pql WHERE pk = 'p' AND sk = 2"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["Items"], [{"name": {"S": "n2"}}])


if __name__ == "__main__":
    unittest.main()
