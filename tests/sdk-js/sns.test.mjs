// SNS through the real JS SDK v3 (query protocol): topics, errors, subscriptions, fan-out to SQS with the
// signed envelope, raw delivery with message attributes, filter policies, FIFO topics to FIFO queues.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  SNSClient, CreateTopicCommand, GetTopicAttributesCommand, SubscribeCommand, PublishCommand, PublishBatchCommand,
  ListSubscriptionsByTopicCommand, UnsubscribeCommand, TagResourceCommand, ListTagsForResourceCommand, DeleteTopicCommand,
  NotFoundException, InvalidParameterException,
} from '@aws-sdk/client-sns';
import { SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startServer, REGION, CREDENTIALS } from './lib/server.mjs';

let server;
let sns;
let sqs;
before(async () => {
  server = await startServer();
  sns = new SNSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
  sqs = new SQSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: CREDENTIALS });
});
after(async () => { sns?.destroy(); sqs?.destroy(); await server?.stop(); });

let counter = 0;
const unique = (base) => `${base}-${Date.now()}-${++counter}`;

async function queue(name, fifo = false) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: fifo ? { FifoQueue: 'true' } : {} }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes.QueueArn };
}

async function receive(url, count) {
  const out = [];
  for (let i = 0; i < 10 && out.length < count; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
    out.push(...(r.Messages ?? []));
  }
  return out;
}

test('topics: create, attributes, tags, errors, delete', async () => {
  const name = unique('js-topic');
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name, Attributes: { DisplayName: 'JS' } }));
  assert.equal(TopicArn, `arn:aws:sns:${REGION}:000000000000:${name}`);
  const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  assert.equal(Attributes.DisplayName, 'JS');
  assert.equal(Attributes.Owner, '000000000000');
  assert.equal(Attributes.SubscriptionsConfirmed, '0');
  assert.equal(JSON.parse(Attributes.Policy).Statement[0].Sid, '__default_statement_ID');
  await sns.send(new TagResourceCommand({ ResourceArn: TopicArn, Tags: [{ Key: 'team', Value: 'js' }] }));
  assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags, [{ Key: 'team', Value: 'js' }]);
  await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'bad/name' })), (err) => {
    assert.ok(err instanceof InvalidParameterException);
    assert.equal(err.message, 'Invalid parameter: Topic Name');
    assert.equal(err.$metadata.httpStatusCode, 400);
    return true;
  });
  await sns.send(new DeleteTopicCommand({ TopicArn }));
  await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn })), (err) => {
    assert.ok(err instanceof NotFoundException);
    assert.equal(err.message, 'Topic does not exist');
    assert.equal(err.$metadata.httpStatusCode, 404);
    return true;
  });
});

test('fan-out to SQS: signed envelope verifies against the served certificate', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('js-fan') }));
  const q = await queue(unique('js-fan-q'));
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn }));
  assert.ok(SubscriptionArn.startsWith(`${TopicArn}:`));
  const { MessageId } = await sns.send(new PublishCommand({ TopicArn, Message: 'hi from js', Subject: 'JS',
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } }));
  const [m] = await receive(q.url, 1);
  const body = JSON.parse(m.Body);
  assert.equal(body.Type, 'Notification');
  assert.equal(body.MessageId, MessageId);
  assert.equal(body.Message, 'hi from js');
  assert.equal(body.Subject, 'JS');
  assert.deepEqual(body.MessageAttributes, { kind: { Type: 'String', Value: 'greeting' } });
  const pem = await (await fetch(body.SigningCertURL)).text();
  const toSign = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'].filter((k) => k in body).map((k) => `${k}\n${body[k]}\n`).join('');
  assert.ok(crypto.createVerify('RSA-SHA1').update(toSign).verify(new crypto.X509Certificate(pem).publicKey, body.Signature, 'base64'));
  await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
  assert.deepEqual((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions, []);
});

test('raw delivery, filter policy and PublishBatch', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: unique('js-filter') }));
  const q = await queue(unique('js-filter-q'));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: {
    RawMessageDelivery: 'true', FilterPolicy: JSON.stringify({ size: [{ numeric: ['>=', 10] }] }) } }));
  const r = await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [
    { Id: 'big', Message: 'big', MessageAttributes: { size: { DataType: 'Number', StringValue: '12' } } },
    { Id: 'small', Message: 'small', MessageAttributes: { size: { DataType: 'Number', StringValue: '3' } } },
  ] }));
  assert.deepEqual(r.Successful.map((s) => s.Id).sort(), ['big', 'small']);
  const got = await receive(q.url, 1);
  assert.deepEqual(got.map((m) => m.Body), ['big']);
  assert.deepEqual(got[0].MessageAttributes, { size: { DataType: 'Number', StringValue: '12' } });
});

test('FIFO topic to FIFO queue keeps order and carries group and dedup ids', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${unique('js')}.fifo`, Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true' } }));
  const q = await queue(`${unique('js-q')}.fifo`, true);
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { RawMessageDelivery: 'true' } }));
  const sequences = [];
  for (let i = 0; i < 5; i++) {
    sequences.push((await sns.send(new PublishCommand({ TopicArn, Message: `m${i}`, MessageGroupId: 'g1' }))).SequenceNumber);
  }
  assert.deepEqual([...sequences].sort(), sequences);
  const got = await receive(q.url, 5);
  assert.deepEqual(got.map((m) => m.Body), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.equal(got[0].Attributes.MessageGroupId, 'g1');
  assert.equal(got[0].Attributes.MessageDeduplicationId, crypto.createHash('sha256').update('m0').digest('hex'));
});
