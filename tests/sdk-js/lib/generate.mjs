// Builds a minimal valid input for an operation from a botocore-style JSON model: every required
// member is filled (recursively) with a value that satisfies its shape's constraints (enum,
// length, range, pattern, list/map size). Optional members are left out.
import { sampleRegex, toJsRegExp } from './regex-sample.mjs';

const FIXED_DATE = new Date('2024-01-02T03:04:05Z');
const ACCOUNT = '000000000000';

// Friendly values by member name, used when they satisfy the shape's constraints.
function nameHints(member, ctx) {
  const n = member.toLowerCase();
  const hints = [];
  if (n === 'bucket' || n.endsWith('bucketname')) hints.push('gureum-cov-bucket');
  if (n === 'key') hints.push('cov-key');
  if (n === 'copysource') hints.push('gureum-cov-bucket/cov-key');
  if (n === 'queueurl') hints.push(`${ctx.endpoint}/${ACCOUNT}/gureum-cov-queue`);
  if (n.endsWith('arn') || n === 'resource' || n === 'resourceid') {
    hints.push(`arn:aws:${ctx.arnService}:us-east-1:${ACCOUNT}:gureum-cov`);
  }
  if (n.endsWith('url') || n.endsWith('uri')) hints.push('https://example.com/gureum-cov');
  if (n.includes('accountid') || n === 'awsaccountid') hints.push(ACCOUNT);
  if (n.includes('region')) hints.push('us-east-1');
  if (n.includes('email')) hints.push('cov@example.com');
  if (n.includes('json') || n.includes('policy') || n === 'definition' || n === 'document') hints.push('{}');
  return hints;
}

function lengthOk(v, s) {
  const len = [...v].length;
  if (s.min !== undefined && len < s.min) return false;
  if (s.max !== undefined && len > s.max) return false;
  return true;
}

function patternOk(v, s) {
  if (!s.pattern) return true;
  const re = toJsRegExp(s.pattern);
  return re ? re.test(v) : true;
}

function fits(v, s) { return lengthOk(v, s) && patternOk(v, s); }

function stringValue(s, member, ctx, inLabel) {
  if (s.enum && s.enum.length) return s.enum[0];
  const base = ['gureum-cov', 'gureum', 'cov', 'a'];
  for (const h of [...nameHints(member, ctx), ...base]) {
    if (fits(h, s) && !(inLabel && h.includes('/') && h.startsWith('http'))) return h;
  }
  if (s.pattern) {
    const minLen = s.min ?? 1;
    const configs = [{ natural: true, reps: 1 }];
    for (const reps of [0, 1, 2, 3, 4, 8, 16, 32, 64, minLen]) configs.push({ reps });
    for (const cfg of configs) {
      for (const branch of [0, 1, 2, 3, 99]) {
        const v = sampleRegex(s.pattern, { ...cfg, branch });
        if (v !== null && fits(v, s) && (v.length > 0 || minLen === 0)) return v;
      }
    }
  }
  // length-only fallback: pad or cut the friendliest candidate that matches the pattern
  let v = 'gureum-cov';
  const min = s.min ?? 1;
  while (v.length < min) v += 'x';
  if (s.max !== undefined && v.length > s.max) v = v.slice(0, Math.max(s.max, min));
  return v;
}

function numberValue(s, integral) {
  let v = s.min !== undefined ? s.min : (s.max !== undefined && s.max < 1 ? s.max : 1);
  if (integral) v = Math.ceil(v);
  return v;
}

export class InputGenerator {
  constructor(model, { endpoint, arnService }) {
    this.model = model;
    this.ctx = { endpoint, arnService };
  }

  forOperation(opName) {
    const op = this.model.operations[opName];
    if (!op.input) return {};
    return this.structure(op.input.shape, new Set(), true) ?? {};
  }

  structure(shapeName, stack, top = false) {
    const s = this.model.shapes[shapeName];
    const out = {};
    if (s.document) return {};
    if (s.union) {
      const names = Object.keys(s.members ?? {});
      // prefer a scalar member: the smallest valid choice
      const scalar = names.find((m) => {
        const t = this.model.shapes[s.members[m].shape].type;
        return t !== 'structure' && t !== 'list' && t !== 'map';
      });
      const m = scalar ?? names[0];
      if (m) out[m] = this.value(s.members[m].shape, m, stack, s.members[m]);
      return out;
    }
    for (const m of s.required ?? []) {
      const ref = s.members?.[m];
      if (!ref) continue;
      if (stack.has(ref.shape) && !top) continue; // recursive shape: stop
      out[m] = this.value(ref.shape, m, stack, ref);
    }
    if (!top && Object.keys(out).length === 0) {
      // An empty structure is not serialized at all by the query/ec2 protocols, so a required
      // structure without required members would arrive as null: set one scalar member.
      const names = Object.keys(s.members ?? {});
      const plain = names.filter((n) => !s.members[n].location && !stack.has(s.members[n].shape));
      const m = plain.find((n) => !['structure', 'list', 'map'].includes(this.model.shapes[s.members[n].shape].type)) ?? plain[0];
      if (m) out[m] = this.value(s.members[m].shape, m, stack, s.members[m]);
    }
    return out;
  }

  value(shapeName, member, stack, ref = {}) {
    const s = this.model.shapes[shapeName];
    const inLabel = ref.location === 'uri';
    switch (s.type) {
      case 'structure': {
        const next = new Set(stack); next.add(shapeName);
        return this.structure(shapeName, next);
      }
      case 'list': {
        const n = Math.max(s.min ?? 0, 1);
        const arr = [];
        for (let i = 0; i < n; i++) arr.push(this.value(s.member.shape, member, stack, s.member));
        // unique-looking items when several are needed
        if (n > 1 && arr.every((x) => typeof x === 'string')) return arr.map((x, i) => (i === 0 ? x : uniq(x, i, this.model.shapes[s.member.shape])));
        return arr;
      }
      case 'map': {
        const n = Math.max(s.min ?? 0, 1);
        const o = {};
        for (let i = 0; i < n; i++) {
          let k = this.value(s.key.shape, 'key', stack, s.key);
          if (i > 0) k = uniq(k, i, this.model.shapes[s.key.shape]);
          o[k] = this.value(s.value.shape, member, stack, s.value);
        }
        return o;
      }
      case 'string': return stringValue(s, member, this.ctx, inLabel);
      case 'integer': case 'long': return numberValue(s, true);
      case 'float': case 'double': return numberValue(s, false);
      case 'boolean': return false;
      case 'timestamp': return FIXED_DATE;
      case 'blob': {
        if (s.streaming || ref.streaming) return 'gureum';
        const n = Math.max(s.min ?? 1, 1);
        return new Uint8Array(Array.from({ length: n }, (_, i) => (i % 250) + 1));
      }
      default: return {};
    }
  }
}

function uniq(x, i, s) {
  if (s.enum) return s.enum[Math.min(i, s.enum.length - 1)];
  const cand = x.length > 1 ? x.slice(0, -1) + String.fromCharCode(x.charCodeAt(x.length - 1) === 97 + i ? 98 + i : 97 + i) : x;
  return fits(cand, s) ? cand : x;
}
