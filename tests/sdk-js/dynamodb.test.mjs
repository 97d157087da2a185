// DynamoDB through the JS SDK v3: the low-level client (exact AWS messages and shapes) and
// @aws-sdk/lib-dynamodb's document client (native JS values, paginated queries, batch and transactions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand, UpdateItemCommand,
  ConditionalCheckFailedException, ResourceNotFoundException, TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand, BatchWriteCommand, TransactWriteCommand, paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { startServer, REGION, CREDENTIALS } from './lib/server.mjs';

let server;
let ddb;
let doc;
before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
  doc = DynamoDBDocumentClient.from(ddb);
  await ddb.send(new CreateTableCommand({
    TableName: 'js-items',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});
after(async () => { await server?.stop(); });

test('DescribeTable has AWS shape; a missing table is ResourceNotFoundException', async () => {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'js-items' }));
  assert.equal(Table.TableStatus, 'ACTIVE');
  assert.equal(Table.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/js-items');
  assert.ok(Table.CreationDateTime instanceof Date);
  assert.equal(Table.BillingModeSummary.BillingMode, 'PAY_PER_REQUEST');
  await assert.rejects(ddb.send(new DescribeTableCommand({ TableName: 'js-none' })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, 'Requested resource not found: Table: js-none not found');
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});

test('low-level put/get, conditional failure with the old item', async () => {
  await ddb.send(new PutItemCommand({ TableName: 'js-items', Item: { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '0010.50' } } }));
  const got = await ddb.send(new GetItemCommand({ TableName: 'js-items', Key: { pk: { S: 'a' }, sk: { N: '1' } } }));
  assert.deepEqual(got.Item, { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '10.5' } });
  await assert.rejects(ddb.send(new PutItemCommand({
    TableName: 'js-items', Item: { pk: { S: 'a' }, sk: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  })), (e) => {
    assert.ok(e instanceof ConditionalCheckFailedException);
    assert.equal(e.message, 'The conditional request failed');
    assert.deepEqual(e.Item, { pk: { S: 'a' }, sk: { N: '1' }, v: { N: '10.5' } });
    return true;
  });
  await assert.rejects(ddb.send(new UpdateItemCommand({
    TableName: 'js-items', Key: { pk: { S: 'a' }, sk: { N: '1' } }, UpdateExpression: 'SET #s = :v', ExpressionAttributeValues: { ':v': { S: 'x' } },
  })), (e) => {
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, 'Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #s');
    return true;
  });
});

test('document client: native values, update, paginated query', async () => {
  await doc.send(new PutCommand({ TableName: 'js-items', Item: { pk: 'doc', sk: 0, tags: new Set(['x']), nested: { list: [1, 'two'] } } }));
  const out = await doc.send(new UpdateCommand({
    TableName: 'js-items', Key: { pk: 'doc', sk: 0 }, UpdateExpression: 'SET nested.#l[1] = :t ADD #c :one', ExpressionAttributeNames: { '#l': 'list', '#c': 'counter' },
    ExpressionAttributeValues: { ':t': 'TWO', ':one': 1 }, ReturnValues: 'ALL_NEW',
  }));
  assert.deepEqual(out.Attributes.nested, { list: [1, 'TWO'] });
  assert.equal(out.Attributes.counter, 1);
  assert.deepEqual(out.Attributes.tags, new Set(['x']));
  await doc.send(new BatchWriteCommand({ RequestItems: { 'js-items': Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { pk: 'page', sk: i } } })) } }));
  const seen = [];
  let pages = 0;
  for await (const page of paginateQuery({ client: doc, pageSize: 10 }, {
    TableName: 'js-items', KeyConditionExpression: 'pk = :p AND sk >= :from', ExpressionAttributeValues: { ':p': 'page', ':from': 5 },
  })) {
    pages++;
    seen.push(...page.Items.map((i) => i.sk));
  }
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i + 5));
  assert.equal(pages, 3); // 10 + 10 + a final empty page after the LastEvaluatedKey at the limit
  const { Item } = await doc.send(new GetCommand({ TableName: 'js-items', Key: { pk: 'page', sk: 7 }, ProjectionExpression: 'sk' }));
  assert.deepEqual(Item, { sk: 7 });
  const desc = await doc.send(new QueryCommand({ TableName: 'js-items', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'page' }, ScanIndexForward: false, Limit: 2 }));
  assert.deepEqual(desc.Items.map((i) => i.sk), [24, 23]);
  assert.deepEqual(desc.LastEvaluatedKey, { pk: 'page', sk: 23 });
});

test('transactions cancel with per-item reasons', async () => {
  await assert.rejects(doc.send(new TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: 'js-items', Item: { pk: 'tx', sk: 1 } } },
      { ConditionCheck: { TableName: 'js-items', Key: { pk: 'a', sk: 1 }, ConditionExpression: 'v > :big', ExpressionAttributeValues: { ':big': 100 } } },
    ],
  })), (e) => {
    assert.ok(e instanceof TransactionCanceledException);
    assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ['None', 'ConditionalCheckFailed']);
    return true;
  });
  const { Item } = await doc.send(new GetCommand({ TableName: 'js-items', Key: { pk: 'tx', sk: 1 } }));
  assert.equal(Item, undefined);
});
