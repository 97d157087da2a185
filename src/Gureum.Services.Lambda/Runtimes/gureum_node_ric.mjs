// Gureum's runtime-interface client for the nodejs Lambda runtimes.
// Run by the machine's node with the environment Lambda sets (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// LAMBDA_TASK_ROOT, ...): loads the handler module once (init), then loops over the Runtime API's
// /invocation/next, calling the handler (async or callback style) and posting its result or error.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { pathToFileURL } from 'node:url';

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const sep = api.lastIndexOf(':');
const host = api.slice(0, sep);
const port = Number(api.slice(sep + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
// Written to stdout and stderr after each invocation so Gureum knows the invocation's output is complete.
const END_MARK = '\x1fGUREUM-END\x1f\n';
let currentRequestId = '';

function request(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request({ host, port, method, path: `/2018-06-01/runtime${p}`, agent,
      headers: data ? { ...headers, 'Content-Length': data.length } : headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => {
      const text = util.format(...args).replace(/\n/g, '\r');
      fs.writeSync(1, `${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${text}\n`);
    };
  }
}

function markEnd() {
  fs.writeSync(1, END_MARK);
  fs.writeSync(2, END_MARK);
}

function errorBody(err) {
  if (err instanceof Error) {
    return { errorType: err.name, errorMessage: err.message, trace: (err.stack || '').split('\n') };
  }
  return { errorType: typeof err === 'object' && err !== null ? 'object' : 'string',
    errorMessage: typeof err === 'string' ? err : JSON.stringify(err), trace: [] };
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) {
    return [null, { errorType: 'Runtime.MalformedHandlerName', errorMessage: `Bad handler ${spec}`, trace: [] }];
  }
  const modulePath = spec.slice(0, dot);
  const fnPath = spec.slice(dot + 1);
  let file = null;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const candidate = path.resolve(root, modulePath + ext);
    if (fs.existsSync(candidate)) { file = candidate; break; }
  }
  if (file === null) {
    return [null, { errorType: 'Runtime.ImportModuleError',
      errorMessage: `Error: Cannot find module '${path.basename(modulePath)}'\nRequire stack:\n- /var/runtime/index.mjs`, trace: [] }];
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    const body = errorBody(err);
    if (err instanceof SyntaxError) body.errorType = 'Runtime.UserCodeSyntaxError';
    return [null, body];
  }
  let fn = mod;
  for (const part of fnPath.split('.')) fn = fn?.[part] ?? (fn === mod ? mod.default?.[part] : undefined);
  if (typeof fn !== 'function') {
    return [null, { errorType: 'Runtime.HandlerNotFound', errorMessage: `${spec} is undefined or not exported`, trace: [] }];
  }
  return [fn, null];
}

function invokeHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err); else resolve(result);
    };
    try {
      const ret = handler(event, context, callback);
      if (ret && typeof ret.then === 'function') {
        ret.then((r) => callback(null, r), (e) => callback(e ?? new Error('handler rejected')));
      } else if (handler.length < 3) {
        callback(null, ret);
      }
    } catch (err) {
      callback(err);
    }
  });
}

async function main() {
  patchConsole();
  const [handler, initError] = await loadHandler();
  if (initError) {
    console.error(`Init Error \t${JSON.stringify(initError)}`);
    markEnd();
    await request('POST', '/init/error', JSON.stringify(initError),
      { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': initError.errorType });
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', '/invocation/next');
    const h = next.headers;
    const requestId = h['lambda-runtime-aws-request-id'] || '';
    const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
    currentRequestId = requestId;
    if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
      identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let outcome;
    try {
      const event = next.body.length ? JSON.parse(next.body.toString('utf8')) : {};
      const result = await invokeHandler(handler, event, context);
      outcome = { ok: true, body: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (err) {
      const body = errorBody(err);
      console.error(`Invoke Error \t${JSON.stringify(body)}`);
      outcome = { ok: false, body };
    }
    markEnd();
    if (outcome.ok) {
      await request('POST', `/invocation/${requestId}/response`, outcome.body, { 'Content-Type': 'application/json' });
    } else {
      await request('POST', `/invocation/${requestId}/error`, JSON.stringify(outcome.body),
        { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': outcome.body.errorType });
    }
    currentRequestId = '';
  }
}

main().catch((err) => {
  // The Runtime API went away (Gureum stopped or reaped this environment), or a runtime bug.
  if (err && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EPIPE')) process.exit(0);
  fs.writeSync(2, `gureum runtime: ${err && err.stack}\n`);
  process.exit(1);
});
