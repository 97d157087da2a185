// DynamoDB PartiQL through the JS SDK v3: ExecuteStatement (parameters, NextToken), BatchExecuteStatement,
// ExecuteTransaction, with AWS's error types and messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, ExecuteStatementCommand, BatchExecuteStatementCommand, ExecuteTransactionCommand,
  DuplicateItemException, ConditionalCheckFailedException, TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { startServer, REGION, CREDENTIALS } from './lib/server.mjs';

let server;
let ddb;
before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
  await ddb.send(new CreateTableCommand({
    TableName: 'js-pql',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});
after(async () => { await server?.stop(); });

const run = (Statement, Parameters, extra = {}) => ddb.send(new ExecuteStatementCommand({ Statement, Parameters, ...extra }));

test('INSERT, SELECT with parameters and paging, UPDATE, DELETE', async () => {
  for (let i = 0; i < 5; i++) await run('INSERT INTO "js-pql" VALUE {\'pk\': ?, \'sk\': ?, \'v\': ?}', [{ S: 'a' }, { N: String(i) }, { S: `v${i}` }]);
  await assert.rejects(run('INSERT INTO "js-pql" VALUE {\'pk\': \'a\', \'sk\': 0}'), (e) => {
    assert.ok(e instanceof DuplicateItemException);
    assert.equal(e.message, 'Duplicate primary key exists in table');
    return true;
  });
  const got = [];
  let NextToken;
  do {
    const out = await run('SELECT v FROM "js-pql" WHERE pk = ?', [{ S: 'a' }], { Limit: 2, NextToken });
    got.push(...out.Items.map((i) => i.v.S));
    NextToken = out.NextToken;
  } while (NextToken);
  assert.deepEqual(got, ['v0', 'v1', 'v2', 'v3', 'v4']);
  const updated = await run('UPDATE "js-pql" SET v = \'new\' WHERE pk = \'a\' AND sk = 1 RETURNING MODIFIED OLD *');
  assert.deepEqual(updated.Items, [{ v: { S: 'v1' } }]);
  await assert.rejects(run('DELETE FROM "js-pql" WHERE pk = \'a\' AND sk = 1 AND v = \'old\''), (e) => {
    assert.ok(e instanceof ConditionalCheckFailedException);
    assert.equal(e.message, 'The conditional request failed');
    return true;
  });
  await run('DELETE FROM "js-pql" WHERE pk = \'a\' AND sk = 1');
  assert.deepEqual((await run('SELECT * FROM "js-pql" WHERE pk = \'a\' AND sk = 1')).Items, []);
});

test('validation messages for common mistakes', async () => {
  await assert.rejects(run('SELECT * FROM "js-pql" WHERE pk = ?'), (e) => {
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, "Number of parameters in request and statement don't match.");
    return true;
  });
  await assert.rejects(run('DELETE FROM "js-pql" WHERE pk = \'a\''), (e) => {
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, 'Where clause does not contain a mandatory equality on all key attributes');
    return true;
  });
});

test('BatchExecuteStatement and ExecuteTransaction', async () => {
  const { Responses } = await ddb.send(new BatchExecuteStatementCommand({
    Statements: [
      { Statement: 'INSERT INTO "js-pql" VALUE {\'pk\': \'b\', \'sk\': 1}' },
      { Statement: 'INSERT INTO "js-pql" VALUE {\'pk\': \'a\', \'sk\': 0}' },
    ],
  }));
  assert.equal(Responses[0].Error, undefined);
  assert.deepEqual(Responses[1].Error, { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' });
  await assert.rejects(ddb.send(new ExecuteTransactionCommand({
    TransactStatements: [
      { Statement: 'INSERT INTO "js-pql" VALUE {\'pk\': \'c\', \'sk\': 1}' },
      { Statement: 'UPDATE "js-pql" SET x = 1 WHERE pk = \'nobody\' AND sk = 1' },
    ],
  })), (e) => {
    assert.ok(e instanceof TransactionCanceledException);
    assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ['None', 'ConditionalCheckFailed']);
    return true;
  });
  assert.deepEqual((await run('SELECT * FROM "js-pql" WHERE pk = \'c\' AND sk = 1')).Items, []);
});
