// SQS through the real JS SDK v3 (AWS JSON 1.0 with query-compatible error codes). The SDK checks
// MD5OfMessageBody / MD5OfMessageAttributes itself, so every send and receive here also proves the digests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, GetQueueAttributesCommand, SendMessageCommand,
  SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand,
  ChangeMessageVisibilityCommand, PurgeQueueCommand, DeleteQueueCommand, ListQueuesCommand, TagQueueCommand,
  ListQueueTagsCommand, QueueDoesNotExist, QueueNameExists, ReceiptHandleIsInvalid, PurgeQueueInProgress,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { startServer, REGION } from './lib/server.mjs';

let server;
let sqs;
before(async () => {
  server = await startServer();
  sqs = new SQSClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => { sqs?.destroy(); await server?.stop(); });

let counter = 0;
const unique = (base) => `${base}-${Date.now()}-${++counter}`;

test('queue lifecycle: create, url, attributes, list, tags, delete', async () => {
  const name = unique('js-queue');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '45' }, tags: { team: 'js' } }));
  assert.equal(QueueUrl, `${server.endpoint}/000000000000/${name}`);
  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl, QueueUrl);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  assert.equal(Attributes.VisibilityTimeout, '45');
  assert.equal(Attributes.QueueArn, `arn:aws:sqs:${REGION}:000000000000:${name}`);
  assert.equal(Attributes.ApproximateNumberOfMessages, '0');
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
  assert.deepEqual(listed.QueueUrls, [QueueUrl]);
  await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'test' } }));
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'js', env: 'test' });
  await assert.rejects(sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '46' } })), (err) => {
    assert.ok(err instanceof QueueNameExists);
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, 'A queue already exists with the same name and a different value for attribute VisibilityTimeout');
    return true;
  });
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: name })), (err) => {
    assert.ok(err instanceof QueueDoesNotExist);
    assert.equal(err.Code ?? err.name, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.equal(err.message, 'The specified queue does not exist.');
    return true;
  });
});

test('send, receive with attributes (SDK-verified MD5s), delete', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-msg') }));
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl,
    MessageBody: 'héllo 🌍',
    MessageAttributes: {
      s: { DataType: 'String', StringValue: 'v' },
      n: { DataType: 'Number', StringValue: '12' },
      b: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    },
  }));
  assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
  assert.equal(got.Messages.length, 1);
  const [m] = got.Messages;
  assert.equal(m.Body, 'héllo 🌍');
  assert.equal(m.MessageId, sent.MessageId);
  assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  assert.deepEqual([...m.MessageAttributes.b.BinaryValue], [0, 1, 2, 255]);
  assert.equal(m.Attributes.ApproximateReceiveCount, '1');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  const after = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  assert.equal(after.Messages, undefined);
  await assert.rejects(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'nope' })), (err) => {
    assert.ok(err instanceof ReceiptHandleIsInvalid);
    assert.equal(err.$metadata.httpStatusCode, 404);
    return true;
  });
});

test('batches: per-entry failures and batch limits', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-batch') }));
  const out = await sqs.send(new SendMessageBatchCommand({
    QueueUrl,
    Entries: [{ Id: 'ok', MessageBody: 'one' }, { Id: 'bad', MessageBody: 'two', DelaySeconds: 901 }],
  }));
  assert.deepEqual(out.Successful.map((e) => e.Id), ['ok']);
  assert.equal(out.Failed[0].Id, 'bad');
  assert.equal(out.Failed[0].Code, 'InvalidParameterValue');
  assert.equal(out.Failed[0].SenderFault, true);
  await assert.rejects(sqs.send(new SendMessageBatchCommand({
    QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' })),
  })), (err) => {
    assert.ok(err instanceof TooManyEntriesInBatchRequest);
    assert.equal(err.message, 'Maximum number of entries per request are 10. You have sent 11.');
    return true;
  });
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: got.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
  assert.equal(del.Successful.length, 1);
});

test('visibility: hidden while in flight, back after ChangeMessageVisibility 0', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-vis') }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
  const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages[0];
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first.ReceiptHandle, VisibilityTimeout: 0 }));
  const again = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages[0];
  assert.equal(again.MessageId, first.MessageId);
  assert.equal(again.Attributes.ApproximateReceiveCount, '2');
});

test('long polling returns as soon as a message arrives', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-poll') }));
  const started = Date.now();
  const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
  setTimeout(() => { sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' })); }, 300);
  const out = await pending;
  assert.equal(out.Messages[0].Body, 'wake up');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});

test('64 concurrent consumers: every message exactly once', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-conc'), Attributes: { VisibilityTimeout: '120' } }));
  const total = 500;
  for (let start = 0; start < total; start += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${start + i}`, MessageBody: String(start + i) })) }));
  }
  const seen = [];
  async function consumer() {
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (!out.Messages) return;
      seen.push(...out.Messages.map((m) => Number(m.Body)));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: out.Messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })) }));
    }
  }
  await Promise.all(Array.from({ length: 64 }, consumer));
  assert.equal(seen.length, total);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i));
});

test('FIFO: order within a group and content-based deduplication', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: unique('js-fifo') + '.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
  }));
  const a = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'first', MessageGroupId: 'g' }));
  const dup = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'first', MessageGroupId: 'g' }));
  assert.equal(dup.MessageId, a.MessageId);
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'second', MessageGroupId: 'g' }));
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['SequenceNumber', 'MessageGroupId'] }));
  assert.deepEqual(out.Messages.map((m) => m.Body), ['first', 'second']);
  assert.equal(out.Messages[0].Attributes.MessageGroupId, 'g');
  assert.ok(BigInt(out.Messages[0].Attributes.SequenceNumber) < BigInt(out.Messages[1].Attributes.SequenceNumber));
});

test('PurgeQueue twice within 60 s is PurgeQueueInProgress (403)', async () => {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('js-purge') }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), (err) => {
    assert.ok(err instanceof PurgeQueueInProgress);
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
});
