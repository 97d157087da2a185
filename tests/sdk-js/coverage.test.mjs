// Routing coverage with the real AWS SDK for JavaScript v3: for every operation of every model in
// specs/models, send a minimal valid request (generated from the model) and expect either success,
// the AWS-shaped error NotImplemented (HTTP 501) whose message names exactly that service and
// operation, or — for implemented operations — a 4xx AWS error (e.g. NoSuchBucket for a generated
// bucket name) that the audit trail shows was answered by exactly that operation.
// Anything else (wrong operation, parse failure, HTML 404, 500, client-side error) fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer, REPO_ROOT, CREDENTIALS, REGION } from './lib/server.mjs';
import { InputGenerator } from './lib/generate.mjs';

// specs/models/<name>.json -> npm package @aws-sdk/client-<package>
const SERVICES = {
  acm: 'acm',
  apigateway: 'api-gateway',
  apigatewayv2: 'apigatewayv2',
  autoscaling: 'auto-scaling',
  cloudformation: 'cloudformation',
  cloudtrail: 'cloudtrail',
  cloudwatch: 'cloudwatch',
  'cognito-identity': 'cognito-identity',
  'cognito-idp': 'cognito-identity-provider',
  dynamodb: 'dynamodb',
  dynamodbstreams: 'dynamodb-streams',
  ec2: 'ec2',
  ecr: 'ecr',
  ecs: 'ecs',
  elbv2: 'elastic-load-balancing-v2',
  events: 'eventbridge',
  firehose: 'firehose',
  iam: 'iam',
  kinesis: 'kinesis',
  kms: 'kms',
  lambda: 'lambda',
  logs: 'cloudwatch-logs',
  s3: 's3',
  secretsmanager: 'secrets-manager',
  sns: 'sns',
  sqs: 'sqs',
  ssm: 'ssm',
  stepfunctions: 'sfn',
  sts: 'sts',
  xray: 'xray',
};

// Operations the JS SDK cannot send generically, with the reason. Keep this short.
const SKIP = {
  s3: {
    // Deprecated pre-2014 operations still in the botocore model; SDK v3 has no command for them.
    GetBucketLifecycle: 'not in @aws-sdk/client-s3 (deprecated, superseded by GetBucketLifecycleConfiguration)',
    PutBucketLifecycle: 'not in @aws-sdk/client-s3 (deprecated, superseded by PutBucketLifecycleConfiguration)',
    GetBucketNotification: 'not in @aws-sdk/client-s3 (deprecated, superseded by GetBucketNotificationConfiguration)',
    PutBucketNotification: 'not in @aws-sdk/client-s3 (deprecated, superseded by PutBucketNotificationConfiguration)',
  },
};

const MODELS_DIR = path.join(REPO_ROOT, 'specs/models');
const CONCURRENCY = Number(process.env.GUREUM_COVERAGE_CONCURRENCY ?? 8);
const ONLY = process.env.GUREUM_COVERAGE_SERVICES?.split(',').filter(Boolean);

// Raw exchange of the current command, for failure messages (the SDK hides unparseable bodies).
const exchange = new AsyncLocalStorage();
class RecordingHandler {
  constructor() { this.inner = new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 }); }
  async handle(request, options) {
    const rec = exchange.getStore();
    if (rec) {
      rec.method = request.method;
      rec.path = request.path + (request.query && Object.keys(request.query).length ? '?' + new URLSearchParams(flatQuery(request.query)).toString() : '');
      rec.target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
      rec.host = request.hostname;
    }
    const out = await this.inner.handle(request, options);
    if (rec) {
      const chunks = [];
      for await (const c of out.response.body) chunks.push(c);
      const buf = Buffer.concat(chunks);
      rec.status = out.response.statusCode;
      rec.contentType = out.response.headers['content-type'];
      rec.body = buf.toString('utf8', 0, Math.min(buf.length, 600));
      out.response.body = Readable.from([buf]);
    }
    return out;
  }
  updateHttpClientConfig(k, v) { this.inner.updateHttpClientConfig(k, v); }
  httpHandlerConfigs() { return this.inner.httpHandlerConfigs(); }
  destroy() { this.inner.destroy(); }
}
function flatQuery(q) {
  const out = [];
  for (const [k, v] of Object.entries(q)) for (const x of [].concat(v ?? '')) out.push([k, x]);
  return out;
}

let server;
const summary = [];

before(async () => { server = await startServer(); });
after(async () => {
  if (summary.length) {
    const w = Math.max(...summary.map((r) => r.service.length), 7);
    const lines = [`${'service'.padEnd(w)}  total     ok  failed  skipped`];
    const tot = { total: 0, ok: 0, failed: 0, skipped: 0 };
    for (const r of summary) {
      lines.push(`${r.service.padEnd(w)}  ${String(r.total).padStart(5)}  ${String(r.ok).padStart(5)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`);
      for (const k of Object.keys(tot)) tot[k] += r[k];
    }
    lines.push(`${'TOTAL'.padEnd(w)}  ${String(tot.total).padStart(5)}  ${String(tot.ok).padStart(5)}  ${String(tot.failed).padStart(6)}  ${String(tot.skipped).padStart(7)}`);
    console.log('\nGureum SDK-JS coverage\n' + lines.join('\n'));
    if (process.env.GUREUM_COVERAGE_REPORT) writeFileSync(process.env.GUREUM_COVERAGE_REPORT, JSON.stringify(summary, null, 2));
  }
  await server?.stop();
});

function makeClient(mod, modelName) {
  const ClientName = Object.keys(mod).find((k) => k.endsWith('Client') && k !== '__Client');
  const Client = mod[ClientName];
  return new Client({
    endpoint: server.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    disableHostPrefix: true, // data-plane hostPrefix (logs stream-, sfn sync-, s3 {RequestRoute}.)
    requestHandler: new RecordingHandler(),
    ...(modelName === 's3' ? { forcePathStyle: true } : {}),
  });
}

async function isRoutedHeadRequest(requestId, service, op) {
  // A HEAD answer has no body, so the SDK cannot see the error code or message: ask the audit trail
  // which operation the server resolved for that request id.
  if (!requestId) return false;
  const res = await fetch(`${server.endpoint}/_gureum/audit?operation=${encodeURIComponent(op)}&limit=10000`);
  if (res.status !== 200) return false;
  const { Events = [] } = await res.json();
  return Events.some((e) => e.requestID === requestId && e.errorCode === 'NotImplemented' && e.eventSource?.startsWith(service));
}

// Errors that mean the request never reached an operation.
const ROUTING_ERRORS = new Set(['UnknownOperationException', 'InvalidAction', 'MethodNotAllowed', 'MissingAction', 'SerializationException']);

async function answeredBy(requestId, service, op) {
  // The server's audit trail says which operation answered a request id.
  if (!requestId) return false;
  const res = await fetch(`${server.endpoint}/_gureum/audit?operation=${encodeURIComponent(op)}&limit=10000`);
  if (res.status !== 200) return false;
  const { Events = [] } = await res.json();
  return Events.some((e) => e.requestID === requestId && e.eventName === op && e.eventSource?.startsWith(service));
}

async function runOperation(client, mod, gen, service, op, eventSourcePrefix, modeledErrors = []) {
  const rec = {};
  const Command = mod[`${op}Command`];
  if (!Command) return { ok: false, why: `no ${op}Command in the SDK package` };
  let input;
  try { input = gen.forOperation(op); } catch (e) { return { ok: false, why: `input generation: ${e.message}` }; }
  const expected = `Gureum does not implement the operation '${op}' of service '${service}' yet.`;
  try {
    await exchange.run(rec, () => client.send(new Command(input)));
    return { ok: true, how: 'success' };
  } catch (err) {
    const status = err.$metadata?.httpStatusCode;
    const code = err.Code ?? err.name;
    if (code === 'NotImplemented' && status === 501 && err.message === expected) return { ok: true, how: 'NotImplemented' };
    // An implemented operation may answer one of its own modeled errors (e.g. SQS QueueDoesNotExist for a
    // generated queue URL): the SDK deserializing it into that operation's error class proves the route.
    if (status >= 400 && status < 500 && modeledErrors.includes(err.name)) return { ok: true, how: `modeled error ${err.name}` };
    if (rec.method === 'HEAD' && status === 501 && await isRoutedHeadRequest(err.$metadata?.requestId, eventSourcePrefix, op)) {
      return { ok: true, how: 'NotImplemented (HEAD, via audit)' };
    }
    if (status >= 400 && status < 500 && !ROUTING_ERRORS.has(code)
        && await answeredBy(err.$metadata?.requestId, eventSourcePrefix, op)) {
      return { ok: true, how: `service error ${code} (via audit)` };
    }
    const where = rec.method ? `${rec.method} ${rec.path}${rec.target ? ` [${rec.target}]` : ''}` : 'not sent';
    const got = status === undefined && !rec.status
      ? `client-side ${err.name}: ${err.message}`
      : `${status ?? rec.status} ${code}: ${String(err.message).slice(0, 200)}`;
    const body = rec.body && !(code === 'NotImplemented') ? ` | body: ${rec.body.replace(/\s+/g, ' ').slice(0, 240)}` : '';
    return { ok: false, why: `${where} -> ${got}${body}` };
  }
}

async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; results[i] = await fn(items[i]); }
  }));
  return results;
}

for (const [service, pkg] of Object.entries(SERVICES)) {
  if (ONLY && !ONLY.includes(service)) continue;
  test(`${service}: every operation routes (success or NotImplemented naming it)`, async (t) => {
    const model = JSON.parse(readFileSync(path.join(MODELS_DIR, `${service}.json`), 'utf8'));
    const mod = await import(`@aws-sdk/client-${pkg}`);
    const client = makeClient(mod, service);
    const signingName = model.metadata.signingName ?? model.metadata.endpointPrefix;
    const gen = new InputGenerator(model, { endpoint: server.endpoint, arnService: signingName });
    const skips = SKIP[service] ?? {};
    const ops = Object.keys(model.operations).sort();
    const toRun = ops.filter((o) => !skips[o]);
    const results = await pool(toRun, CONCURRENCY, (op) => runOperation(client, mod, gen, service, op, model.metadata.endpointPrefix,
      (model.operations[op].errors ?? []).map((e) => e.shape)));
    client.destroy();
    const failures = toRun.map((op, i) => [op, results[i]]).filter(([, r]) => !r.ok);
    const row = { service, total: ops.length, ok: toRun.length - failures.length, failed: failures.length, skipped: ops.length - toRun.length,
      failures: Object.fromEntries(failures.map(([op, r]) => [op, r.why])),
      // how the passing operations passed, when not by the plain NotImplemented answer
      notes: Object.fromEntries(toRun.map((op, i) => [op, results[i]]).filter(([, r]) => r.ok && r.how !== 'NotImplemented').map(([op, r]) => [op, r.how])),
      skips };
    summary.push(row);
    t.diagnostic(`${service}: ${row.total} operations, ${row.ok} ok, ${row.failed} failed, ${row.skipped} skipped`);
    const shown = failures.slice(0, 40).map(([op, r]) => `  ${op}: ${r.why}`).join('\n');
    assert.equal(failures.length, 0,
      `${service}: ${failures.length}/${toRun.length} operations failed\n${shown}${failures.length > 40 ? `\n  ... and ${failures.length - 40} more` : ''}`);
  });
}

// The model and the SDK must agree on the operation set we test (catches a stale skip table).
test('skip table only names operations of the models', () => {
  for (const [service, ops] of Object.entries(SKIP)) {
    const model = JSON.parse(readFileSync(path.join(MODELS_DIR, `${service}.json`), 'utf8'));
    for (const op of Object.keys(ops)) assert.ok(model.operations[op], `${service}.${op} is not in the model`);
  }
});
