// DynamoDB Streams through the JS SDK v3 (@aws-sdk/client-dynamodb-streams): change records written with
// every item change, shard iterators, paging with Limit, AWS's error types and messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand, UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb-streams';
import { startServer, REGION, CREDENTIALS } from './lib/server.mjs';

let server;
let ddb;
let streams;
let arn;
let shardId;
before(async () => {
  server = await startServer();
  ddb = new DynamoDBClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
  streams = new DynamoDBStreamsClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
  const { TableDescription } = await ddb.send(new CreateTableCommand({
    TableName: 'js-stream',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  arn = TableDescription.LatestStreamArn;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  shardId = StreamDescription.Shards[0].ShardId;
});
after(async () => { await server?.stop(); });

test('ListStreams and DescribeStream have AWS shapes', async () => {
  const { Streams } = await streams.send(new ListStreamsCommand({ TableName: 'js-stream' }));
  assert.equal(Streams.length, 1);
  assert.equal(Streams[0].StreamArn, arn);
  assert.match(arn, /^arn:aws:dynamodb:us-east-1:000000000000:table\/js-stream\/stream\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  const { StreamDescription: d } = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  assert.equal(d.StreamStatus, 'ENABLED');
  assert.equal(d.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.ok(d.CreationRequestDateTime instanceof Date);
  assert.deepEqual(d.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
  assert.equal(d.Shards.length, 1);
});

test('item changes become INSERT/MODIFY/REMOVE records read page by page', async () => {
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shardId, ShardIteratorType: 'LATEST' }));
  await ddb.send(new PutItemCommand({ TableName: 'js-stream', Item: { pk: { S: 'x' }, n: { N: '1' } } }));
  await ddb.send(new UpdateItemCommand({ TableName: 'js-stream', Key: { pk: { S: 'x' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: 'js-stream', Key: { pk: { S: 'x' } } }));
  const page1 = await streams.send(new GetRecordsCommand({ ShardIterator, Limit: 2 }));
  assert.deepEqual(page1.Records.map((r) => r.eventName), ['INSERT', 'MODIFY']);
  const page2 = await streams.send(new GetRecordsCommand({ ShardIterator: page1.NextShardIterator, Limit: 2 }));
  assert.deepEqual(page2.Records.map((r) => r.eventName), ['REMOVE']);
  assert.ok(page2.NextShardIterator);
  const [insert, modify] = page1.Records;
  assert.equal(insert.eventSource, 'aws:dynamodb');
  assert.equal(insert.eventVersion, '1.1');
  assert.equal(insert.awsRegion, 'us-east-1');
  assert.ok(insert.dynamodb.ApproximateCreationDateTime instanceof Date);
  assert.deepEqual(modify.dynamodb.OldImage, { pk: { S: 'x' }, n: { N: '1' } });
  assert.deepEqual(modify.dynamodb.NewImage, { pk: { S: 'x' }, n: { N: '2' } });
  assert.ok(BigInt(modify.dynamodb.SequenceNumber) > BigInt(insert.dynamodb.SequenceNumber));
  assert.deepEqual(page2.Records[0].dynamodb.Keys, { pk: { S: 'x' } });
});

test('disabled stream: DISABLED status, closed shard ends iteration', async () => {
  await ddb.send(new CreateTableCommand({
    TableName: 'js-stream-off',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
  }));
  await ddb.send(new PutItemCommand({ TableName: 'js-stream-off', Item: { pk: { S: 'a' }, v: { S: 'b' } } }));
  const { TableDescription } = await ddb.send(new UpdateTableCommand({ TableName: 'js-stream-off', StreamSpecification: { StreamEnabled: false } }));
  const offArn = TableDescription.LatestStreamArn;
  const { StreamDescription: d } = await streams.send(new DescribeStreamCommand({ StreamArn: offArn }));
  assert.equal(d.StreamStatus, 'DISABLED');
  assert.ok(d.Shards[0].SequenceNumberRange.EndingSequenceNumber);
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: offArn, ShardId: d.Shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  const out = await streams.send(new GetRecordsCommand({ ShardIterator }));
  assert.equal(out.Records.length, 1);
  assert.deepEqual(out.Records[0].dynamodb.Keys, { pk: { S: 'a' } });
  assert.equal(out.Records[0].dynamodb.NewImage, undefined);
  assert.equal(out.NextShardIterator, undefined);
});

test('unknown stream is ResourceNotFoundException', async () => {
  const missing = 'arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2020-01-01T00:00:00.000';
  await assert.rejects(streams.send(new DescribeStreamCommand({ StreamArn: missing })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException);
    assert.equal(e.message, `Requested resource not found: Stream: ${missing} not found`);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
