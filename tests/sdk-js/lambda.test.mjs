// Lambda through the JS SDK v3: create node and python functions from zips, invoke them (results,
// unhandled errors, Tail logs, timeouts, DryRun/Event), versions and aliases, and AWS's error shapes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PublishVersionCommand,
  CreateAliasCommand, DeleteFunctionCommand, ListVersionsByFunctionCommand, ResourceConflictException,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { startServer, REGION } from './lib/server.mjs';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let server;
let lambda;
before(async () => {
  server = await startServer();
  lambda = new LambdaClient({ endpoint: server.endpoint, region: REGION, maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => { await server?.stop(); });

/** A stored (uncompressed) zip of { name: text }. */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(0x031e, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28); central.writeUInt32LE(((0o100755) << 16) >>> 0, 38); central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralSize, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const NODE_APP = `
let invocations = 0;
exports.handler = async (event, context) => {
  invocations += 1;
  console.log('got', JSON.stringify(event));
  if (event.fail) throw new RangeError('out of range: ' + event.fail);
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { sum: (event.a ?? 0) + (event.b ?? 0), invocations, version: process.env.AWS_LAMBDA_FUNCTION_VERSION,
           mode: process.env.MODE, requestId: context.awsRequestId };
};`;

const PY_APP = `
def handler(event, context):
    print("python got", event)
    return {"upper": event["text"].upper(), "function": context.function_name}
`;

let counter = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++counter}`;
const decode = (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8'));

async function createNode(name, extra = {}) {
  return lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs22.x', Role: ROLE,
    Handler: 'index.handler', Code: { ZipFile: zip({ 'index.js': NODE_APP }) }, ...extra }));
}

test('create, get and invoke a node function; warm reuse keeps module state', async () => {
  const name = unique('node');
  const created = await createNode(name, { Environment: { Variables: { MODE: 'test' } } });
  assert.equal(created.$metadata.httpStatusCode, 201);
  assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  assert.equal(created.Runtime, 'nodejs22.x');
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  assert.equal(got.Configuration.State, 'Active');
  assert.equal(got.Configuration.LastUpdateStatus, 'Successful');
  const zipped = await (await fetch(got.Code.Location)).arrayBuffer();
  assert.equal(Buffer.from(zipped).length, got.Configuration.CodeSize);

  const first = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ a: 2, b: 3 }), LogType: 'Tail' }));
  assert.equal(first.StatusCode, 200);
  assert.equal(first.FunctionError, undefined);
  assert.equal(first.ExecutedVersion, '$LATEST');
  const body = decode(first.Payload);
  assert.deepEqual({ ...body, requestId: undefined }, { sum: 5, invocations: 1, version: '$LATEST', mode: 'test', requestId: undefined });
  assert.equal(body.requestId, first.$metadata.requestId);
  const log = Buffer.from(first.LogResult, 'base64').toString();
  assert.match(log, new RegExp(`START RequestId: ${body.requestId} Version: \\$LATEST\\n`));
  assert.match(log, new RegExp(`\\tINFO\\tgot {"a":2,"b":3}\\n`));
  assert.match(log, new RegExp(`END RequestId: ${body.requestId}\\nREPORT RequestId: ${body.requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: [\\d.]+ ms\\t\\n$`));

  const second = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ a: 1 }) }));
  assert.equal(decode(second.Payload).invocations, 2);
  assert.equal(second.LogResult, undefined);
});

test('unhandled errors and timeouts have Lambda\'s payload shapes', async () => {
  const name = unique('node-err');
  await createNode(name, { Timeout: 1 });
  const failed = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ fail: 'x' }) }));
  assert.equal(failed.StatusCode, 200);
  assert.equal(failed.FunctionError, 'Unhandled');
  const error = decode(failed.Payload);
  assert.equal(error.errorType, 'RangeError');
  assert.equal(error.errorMessage, 'out of range: x');
  assert.equal(error.trace[0], 'RangeError: out of range: x');

  const timedOut = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ sleep: 3000 }) }));
  assert.equal(timedOut.FunctionError, 'Unhandled');
  const timeout = decode(timedOut.Payload);
  assert.equal(timeout.errorType, 'Sandbox.Timedout');
  assert.match(timeout.errorMessage, new RegExp(`^RequestId: ${timedOut.$metadata.requestId} Error: Task timed out after 1\\.\\d\\d seconds$`));
});

test('python function, DryRun and Event invocation types', async () => {
  const name = unique('py');
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.13', Role: ROLE, Handler: 'main.handler',
    Code: { ZipFile: zip({ 'main.py': PY_APP }) } }));
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ text: 'gureum' }) }));
  assert.deepEqual(decode(out.Payload), { upper: 'GUREUM', function: name });
  const dry = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
  assert.equal(dry.StatusCode, 204);
  const event = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: JSON.stringify({ text: 'later' }) }));
  assert.equal(event.StatusCode, 202);
});

test('versions, aliases and qualified invokes', async () => {
  const name = unique('node-ver');
  await createNode(name);
  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  assert.equal(v1.Version, '1');
  const alias = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'prod', FunctionVersion: '1' }));
  assert.equal(alias.AliasArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}:prod`);
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: 'prod', Payload: '{}' }));
  assert.equal(out.ExecutedVersion, '1');
  assert.equal(decode(out.Payload).version, '1');
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
  assert.deepEqual(versions.Versions.map((v) => v.Version), ['$LATEST', '1']);
});

test('errors: conflict, not found', async () => {
  const name = unique('node-dup');
  await createNode(name);
  await assert.rejects(createNode(name), (err) => {
    assert.ok(err instanceof ResourceConflictException);
    assert.equal(err.message, `Function already exist: ${name}`);
    assert.equal(err.Type, 'User');
    assert.equal(err.$metadata.httpStatusCode, 409);
    return true;
  });
  await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{}' })), (err) => {
    assert.ok(err instanceof ResourceNotFoundException);
    assert.equal(err.message, `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(err.$metadata.httpStatusCode, 404);
    return true;
  });
});
