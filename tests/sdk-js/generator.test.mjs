// Offline check of the input generator used by coverage.test.mjs (no server needed): every
// generated input has all required members and satisfies the model's enum, length, range,
// pattern and list-size constraints. A failure here is a suite bug, not a server bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './lib/server.mjs';
import { InputGenerator } from './lib/generate.mjs';
import { toJsRegExp } from './lib/regex-sample.mjs';

const MODELS_DIR = path.join(REPO_ROOT, 'specs/models');

function violations(model, shapeName, v, where, out) {
  const s = model.shapes[shapeName];
  switch (s.type) {
    case 'structure':
      if (s.document) break;
      for (const [k, x] of Object.entries(v)) violations(model, s.members[k].shape, x, `${where}.${k}`, out);
      if (!s.union) for (const r of s.required ?? []) if (!(r in v)) out.push(`${where}: missing required ${r}`);
      if (s.union && Object.keys(v).length !== 1) out.push(`${where}: union needs exactly one member`);
      break;
    case 'list':
      if (v.length < (s.min ?? 0) || v.length > (s.max ?? Infinity)) out.push(`${where}: ${v.length} items`);
      v.forEach((x, i) => violations(model, s.member.shape, x, `${where}[${i}]`, out));
      break;
    case 'map':
      for (const [k, x] of Object.entries(v)) {
        violations(model, s.key.shape, k, `${where}{key}`, out);
        violations(model, s.value.shape, x, `${where}{${k}}`, out);
      }
      break;
    case 'string': {
      const len = [...v].length;
      if (s.enum && !s.enum.includes(v)) out.push(`${where}: ${v} not in enum`);
      if (len < (s.min ?? 0) || len > (s.max ?? Infinity)) out.push(`${where}: length ${len} outside [${s.min}, ${s.max}]`);
      if (s.pattern) {
        const re = toJsRegExp(s.pattern);
        if (!re) out.push(`${where}: pattern ${s.pattern} not understood`);
        else if (!re.test(v)) out.push(`${where}: ${JSON.stringify(v)} does not match ${s.pattern}`);
      }
      break;
    }
    case 'integer': case 'long': case 'float': case 'double':
      if (typeof v !== 'number' || v < (s.min ?? -Infinity) || v > (s.max ?? Infinity)) out.push(`${where}: ${v} out of range`);
      break;
    case 'blob':
      if (!(v instanceof Uint8Array) && typeof v !== 'string') out.push(`${where}: blob is ${typeof v}`);
      break;
    case 'timestamp':
      if (!(v instanceof Date)) out.push(`${where}: timestamp is not a Date`);
      break;
    default: break;
  }
}

for (const file of readdirSync(MODELS_DIR).filter((f) => f.endsWith('.json')).sort()) {
  const service = file.slice(0, -5);
  test(`generator: ${service} inputs satisfy the model`, () => {
    const model = JSON.parse(readFileSync(path.join(MODELS_DIR, file), 'utf8'));
    const gen = new InputGenerator(model, { endpoint: 'http://127.0.0.1:4566', arnService: model.metadata.signingName ?? model.metadata.endpointPrefix });
    const out = [];
    for (const [op, def] of Object.entries(model.operations)) {
      if (def.input) violations(model, def.input.shape, gen.forOperation(op), `${op}`, out);
    }
    assert.deepEqual(out, []);
  });
}
