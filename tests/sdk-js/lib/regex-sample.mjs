// Generates short strings that match a (Java-flavoured) regular expression from an AWS model
// `pattern` trait. It understands the subset the vendored models use: literals, escapes,
// character classes (ranges, negation, \d \w \s \p{..}), groups, alternation, anchors,
// lookarounds (ignored) and the quantifiers * + ? {n} {n,} {n,m}.
//
// sampleRegex(pattern, { reps, branch }) returns one candidate: every quantifier repeats
// clamp(reps, min, max) times (or, with `natural`, once for x? and the minimum otherwise) and every alternation takes branch `branch` (clamped). Callers try
// several (reps, branch) pairs and keep the first candidate that passes the real RegExp and the
// length limits.

const PREFERRED = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.';

class Parser {
  constructor(src) { this.s = src; this.i = 0; }
  peek() { return this.s[this.i]; }
  eof() { return this.i >= this.s.length; }
  next() { return this.s[this.i++]; }

  parseAlt() {
    const branches = [this.parseSeq()];
    while (this.peek() === '|') { this.i++; branches.push(this.parseSeq()); }
    return branches.length === 1 ? branches[0] : { t: 'alt', branches };
  }

  parseSeq() {
    const items = [];
    while (!this.eof() && this.peek() !== '|' && this.peek() !== ')') {
      let atom = this.parseAtom();
      atom = this.parseQuant(atom);
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  parseQuant(atom) {
    for (;;) {
      const c = this.peek();
      let min, max;
      if (c === '*') { this.i++; min = 0; max = Infinity; }
      else if (c === '+') { this.i++; min = 1; max = Infinity; }
      else if (c === '?') { this.i++; min = 0; max = 1; }
      else if (c === '{' && /^\{\d*(,\d*)?\}/.test(this.s.slice(this.i))) {
        const m = /^\{(\d*)(,(\d*))?\}/.exec(this.s.slice(this.i));
        this.i += m[0].length;
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === undefined ? min : (m[3] === '' ? Infinity : Number(m[3]));
      } else return atom;
      if (this.peek() === '?' || this.peek() === '+') this.i++; // lazy / possessive
      atom = { t: 'rep', atom, min, max };
    }
  }

  parseAtom() {
    const c = this.next();
    if (c === '(') {
      let kind = 'group';
      if (this.peek() === '?') {
        const rest = this.s.slice(this.i);
        if (rest.startsWith('?:')) { this.i += 2; }
        else if (rest.startsWith('?=') || rest.startsWith('?!')) { this.i += 2; kind = 'look'; }
        else if (rest.startsWith('?<=') || rest.startsWith('?<!')) { this.i += 3; kind = 'look'; }
        else if (rest.startsWith('?<')) { this.i = this.s.indexOf('>', this.i) + 1; }
        else { // inline flags like (?i) or (?s:...)
          const m = /^\?[a-zA-Z-]*(:|\))/.exec(rest);
          if (m) { this.i += m[0].length; if (m[1] === ')') return { t: 'seq', items: [] }; }
        }
      }
      const inner = this.parseAlt();
      if (this.peek() === ')') this.i++;
      return kind === 'look' ? { t: 'seq', items: [] } : inner;
    }
    if (c === '[') return this.parseClass();
    if (c === '.') return { t: 'set', pick: (ok) => ok('a') };
    if (c === '^' || c === '$') return { t: 'seq', items: [] };
    if (c === '\\') return this.parseEscape(false);
    return { t: 'lit', v: c };
  }

  // Returns an atom for an escape outside a class, or a predicate source inside one.
  parseEscape(inClass) {
    const c = this.next();
    const classOf = (pred) => (inClass ? { pred } : { t: 'set', pred });
    switch (c) {
      case 'd': return classOf((ch) => /[0-9]/.test(ch));
      case 'D': return classOf((ch) => !/[0-9]/.test(ch));
      case 'w': return classOf((ch) => /\w/.test(ch));
      case 'W': return classOf((ch) => !/\w/.test(ch));
      case 's': return classOf((ch) => /\s/.test(ch));
      case 'S': return classOf((ch) => !/\s/.test(ch));
      case 'h': return classOf((ch) => ch === ' ' || ch === '\t');
      case 'p': case 'P': {
        let name;
        if (this.peek() === '{') { const end = this.s.indexOf('}', this.i); name = this.s.slice(this.i + 1, end); this.i = end + 1; }
        else name = this.next();
        let re;
        try { re = new RegExp(`^\\p{${name.replace(/^Is/, '')}}$`, 'u'); } catch { re = /[a-z]/; }
        const neg = c === 'P';
        return classOf((ch) => re.test(ch) !== neg);
      }
      case 'A': case 'z': case 'Z': case 'b': case 'B': case 'G':
        return inClass ? { pred: () => false } : { t: 'seq', items: [] };
      case 'u': { const h = this.s.slice(this.i, this.i + 4); this.i += 4; return lit(String.fromCharCode(parseInt(h, 16))); }
      case 'x': {
        if (this.peek() === '{') { const end = this.s.indexOf('}', this.i); const h = this.s.slice(this.i + 1, end); this.i = end + 1; return lit(String.fromCodePoint(parseInt(h, 16))); }
        const h = this.s.slice(this.i, this.i + 2); this.i += 2; return lit(String.fromCharCode(parseInt(h, 16)));
      }
      case 't': return lit('\t');
      case 'n': return lit('\n');
      case 'r': return lit('\r');
      case 'f': return lit('\f');
      case 'v': return lit('\v');
      case '0': return lit('\0');
      default: return lit(c);
    }
    function lit(v) { return inClass ? { ch: v } : { t: 'lit', v }; }
  }

  parseClass() {
    let neg = false;
    if (this.peek() === '^') { neg = true; this.i++; }
    const preds = [];
    let first = true;
    while (!this.eof() && (this.peek() !== ']' || first)) {
      first = false;
      let lo;
      const c = this.next();
      if (c === '[') { // Java nested class / union: treat as a union of its members
        const inner = this.parseClass();
        preds.push(inner.pred); continue;
      }
      if (c === '&' && this.peek() === '&') { this.i++; continue; } // intersection: approximate as union
      if (c === '\\') {
        const e = this.parseEscape(true);
        if (e.pred) { preds.push(e.pred); continue; }
        lo = e.ch;
      } else lo = c;
      if (this.peek() === '-' && this.s[this.i + 1] !== ']' && this.i + 1 < this.s.length) {
        this.i++;
        let hi = this.next();
        if (hi === '\\') { const e = this.parseEscape(true); hi = e.ch ?? hi; }
        const a = lo.codePointAt(0), b = hi.codePointAt(0);
        preds.push((ch) => { const x = ch.codePointAt(0); return x >= a && x <= b; });
      } else {
        const v = lo;
        preds.push((ch) => ch === v);
      }
    }
    this.i++; // ]
    const pred = (ch) => preds.some((p) => p(ch)) !== neg;
    return { t: 'set', pred };
  }
}

function pickChar(pred) {
  for (const ch of PREFERRED) if (pred(ch)) return ch;
  for (let x = 0x20; x < 0x3000; x++) { const ch = String.fromCharCode(x); if (pred(ch)) return ch; }
  return 'a';
}

function gen(node, opt, out) {
  switch (node.t) {
    case 'lit': out.push(node.v); break;
    case 'set': out.push(node.pred ? pickChar(node.pred) : 'a'); break;
    case 'seq': for (const it of node.items) gen(it, opt, out); break;
    case 'alt': gen(node.branches[Math.min(opt.branch, node.branches.length - 1)], opt, out); break;
    case 'rep': {
      let n = Math.max(node.min, Math.min(node.max, opt.reps));
      if (opt.natural) n = node.max === 1 ? 1 : node.min; // x? -> x, x* -> '', x+ -> x, x{2,5} -> xx
      for (let k = 0; k < n; k++) gen(node.atom, opt, out);
      break;
    }
    default: break;
  }
}

const cache = new Map();
function parse(pattern) {
  if (!cache.has(pattern)) {
    let ast;
    try { ast = new Parser(pattern).parseAlt(); } catch { ast = null; }
    cache.set(pattern, ast);
  }
  return cache.get(pattern);
}

export function sampleRegex(pattern, { reps = 1, branch = 0, natural = false } = {}) {
  const ast = parse(pattern);
  if (!ast) return null;
  const out = [];
  gen(ast, { reps, branch, natural }, out);
  return out.join('');
}

// Java pattern -> JavaScript RegExp (whole-string match, as Smithy's @pattern is a search but the
// model authors almost always anchor; we test as a search like Smithy does).
const reCache = new Map();
export function toJsRegExp(pattern) {
  if (reCache.has(pattern)) return reCache.get(pattern);
  let re = null;
  let src = pattern.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$').replace(/\(\?[a-z]+\)/g, '');
  // possessive quantifiers are not JavaScript
  src = src.replace(/([*+?}])\+/g, '$1');
  for (const flags of ['u', '']) {
    try { re = new RegExp(src, flags); break; } catch { /* try next */ }
  }
  reCache.set(pattern, re);
  return re;
}
