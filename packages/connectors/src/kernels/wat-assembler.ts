// A small assembler for the subset of the WebAssembly text format the toolkit's hand-written kernels use:
// one memory import, functions with params, locals and an optional result, and folded instructions
// (`(i32.add (local.get $a) (i32.const 4))`, `(block $l ...)`, `(loop $l ...)`, `(if (cond) (then ...)
// (else ...))`). Kept in the package so the kernels ship as readable source and need no build step or
// toolchain; anything outside the subset is an error naming the token.

type Sexp = string | Sexp[];

const VALTYPES: Record<string, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** SIMD opcodes: the 0xfd prefix and the opcode as unsigned LEB128. */
function simd(ops: Record<string, number>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(ops).map(([name, code]) => [name, [0xfd, ...uleb(code)]]));
}

// Plain opcodes: no immediates; operands are the folded sub-expressions.
const PLAIN: Record<string, number[]> = {
  select: [0x1b],
  'i32.eqz': [0x45],
  'i32.eq': [0x46],
  'i32.ne': [0x47],
  'i32.lt_s': [0x48],
  'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a],
  'i32.gt_u': [0x4b],
  'i32.le_s': [0x4c],
  'i32.le_u': [0x4d],
  'i32.ge_s': [0x4e],
  'i32.ge_u': [0x4f],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.shl': [0x74],
  'i32.shr_u': [0x76],
  'f32.add': [0x92],
  'f32.sub': [0x93],
  'f32.mul': [0x94],
  'f32.div': [0x95],
  'f32.sqrt': [0x91],
  'f32.max': [0x97],
  'f32.convert_i32_s': [0xb2],
  ...simd({
    'i32x4.splat': 0x11,
    'f32x4.splat': 0x13,
    'f32x4.eq': 0x41,
    'f32x4.lt': 0x43,
    'f32x4.gt': 0x44,
    'v128.and': 0x4e,
    'v128.or': 0x50,
    'v128.xor': 0x51,
    'v128.bitselect': 0x52,
    'f32x4.nearest': 0x6a,
    'i32x4.shl': 0xab,
    'i32x4.add': 0xae,
    'f32x4.abs': 0xe0,
    'f32x4.neg': 0xe1,
    'f32x4.sqrt': 0xe3,
    'f32x4.add': 0xe4,
    'f32x4.sub': 0xe5,
    'f32x4.mul': 0xe6,
    'f32x4.div': 0xe7,
    'f32x4.min': 0xe8,
    'f32x4.max': 0xe9,
    'i32x4.trunc_sat_f32x4_s': 0xf8,
    // relaxed SIMD (fused where the CPU has FMA)
    'f32x4.relaxed_madd': 0x105,
    'f32x4.relaxed_nmadd': 0x106,
  }),
};

// Memory instructions: opcode bytes and natural alignment (log2 bytes).
const MEMORY: Record<string, [number[], number]> = {
  'i32.load': [[0x28], 2],
  'i64.load': [[0x29], 3],
  'f32.load': [[0x2a], 2],
  'i32.store': [[0x36], 2],
  'i64.store': [[0x37], 3],
  'f32.store': [[0x38], 2],
  'v128.load': [[0xfd, 0x00], 4],
  'v128.load32_splat': [[0xfd, 0x09], 2],
  'v128.store': [[0xfd, 0x0b], 4],
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

function parse(text: string): Sexp {
  const tokens = text.replace(/;;[^\n]*/g, ' ').match(/\(|\)|"[^"]*"|[^\s()]+/g) ?? [];
  let pos = 0;
  const read = (): Sexp => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error('wat: unexpected end of text');
    if (token === ')') throw new Error('wat: unexpected ")"');
    if (token !== '(') return token;
    const list: Sexp[] = [];
    while (tokens[pos] !== ')') {
      if (pos >= tokens.length) throw new Error('wat: missing ")"');
      list.push(read());
    }
    pos++;
    return list;
  };
  const root = read();
  if (pos !== tokens.length) throw new Error(`wat: text after the module: ${tokens[pos]}`);
  return root;
}

const isList = (s: Sexp | undefined): s is Sexp[] => Array.isArray(s);
const head = (s: Sexp | undefined) => (isList(s) ? s[0] : undefined);

interface FuncContext {
  locals: Map<string, number>;
  labels: (string | undefined)[];
}

function localIndex(ctx: FuncContext, name: Sexp | undefined): number {
  if (typeof name !== 'string') throw new Error('wat: local name expected');
  const index = /^\d+$/.test(name) ? Number(name) : ctx.locals.get(name);
  if (index === undefined) throw new Error(`wat: unknown local ${name}`);
  return index;
}

function labelDepth(ctx: FuncContext, name: Sexp | undefined): number {
  if (typeof name !== 'string') throw new Error('wat: label expected');
  const depth = /^\d+$/.test(name) ? Number(name) : ctx.labels.length - 1 - ctx.labels.lastIndexOf(name);
  if (depth < 0 || depth >= ctx.labels.length) throw new Error(`wat: unknown label ${name}`);
  return depth;
}

function f32Bytes(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

function instr(expr: Sexp, ctx: FuncContext, out: number[]): void {
  if (!isList(expr)) throw new Error(`wat: instruction expected, got ${expr}`);
  const [op, ...rest] = expr;
  if (typeof op !== 'string') throw new Error('wat: instruction name expected');
  if (op === 'block' || op === 'loop') {
    const label = typeof rest[0] === 'string' && rest[0].startsWith('$') ? (rest.shift() as string) : undefined;
    out.push(op === 'block' ? 0x02 : 0x03, 0x40);
    ctx.labels.push(label);
    for (const e of rest) instr(e, ctx, out);
    ctx.labels.pop();
    out.push(0x0b);
    return;
  }
  if (op === 'if') {
    const thenIdx = rest.findIndex((e) => head(e) === 'then');
    if (thenIdx < 0) throw new Error('wat: if without then');
    for (const e of rest.slice(0, thenIdx)) instr(e, ctx, out);
    out.push(0x04, 0x40);
    ctx.labels.push(undefined);
    for (const e of (rest[thenIdx] as Sexp[]).slice(1)) instr(e, ctx, out);
    const otherwise = rest[thenIdx + 1];
    if (otherwise !== undefined) {
      if (head(otherwise) !== 'else') throw new Error('wat: if: else expected after then');
      out.push(0x05);
      for (const e of (otherwise as Sexp[]).slice(1)) instr(e, ctx, out);
    }
    ctx.labels.pop();
    out.push(0x0b);
    return;
  }
  if (op === 'br' || op === 'br_if') {
    for (const e of rest.slice(1)) instr(e, ctx, out);
    out.push(op === 'br' ? 0x0c : 0x0d, ...uleb(labelDepth(ctx, rest[0])));
    return;
  }
  if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
    for (const e of rest.slice(1)) instr(e, ctx, out);
    out.push({ 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22 }[op], ...uleb(localIndex(ctx, rest[0])));
    return;
  }
  if (op === 'f32x4.extract_lane') {
    for (const e of rest.slice(1)) instr(e, ctx, out);
    out.push(0xfd, 0x1f, Number(rest[0]));
    return;
  }
  if (op === 'i8x16.shuffle') {
    for (const e of rest.slice(16)) instr(e, ctx, out);
    out.push(0xfd, 0x0d, ...rest.slice(0, 16).map((v) => Number(v)));
    return;
  }
  if (op === 'i32.const') {
    out.push(0x41, ...sleb(Number(rest[0]) | 0));
    return;
  }
  if (op === 'i64.const') {
    // values within 32 bits (sleb of an i32 is the same bytes)
    out.push(0x42, ...sleb(Number(rest[0]) | 0));
    return;
  }
  if (op === 'f32.const') {
    out.push(0x43, ...f32Bytes(Number(rest[0])));
    return;
  }
  if (op === 'v128.const') {
    if (rest[0] !== 'i32x4' || rest.length !== 5) throw new Error('wat: v128.const supports i32x4 with four values');
    out.push(0xfd, 0x0c, ...new Uint8Array(new Int32Array(rest.slice(1).map((v) => Number(v))).buffer));
    return;
  }
  const memory = MEMORY[op];
  if (memory) {
    let offset = 0;
    const operands = rest.filter((e) => {
      if (typeof e === 'string' && e.startsWith('offset=')) {
        offset = Number(e.slice(7));
        return false;
      }
      return true;
    });
    for (const e of operands) instr(e, ctx, out);
    out.push(...memory[0], ...uleb(memory[1]), ...uleb(offset));
    return;
  }
  const plain = PLAIN[op];
  if (!plain) throw new Error(`wat: unsupported instruction ${op}`);
  for (const e of rest) instr(e, ctx, out);
  out.push(...plain);
}

/**
 * Assembles a module written in the supported WAT subset to its binary form. The module imports one
 * memory as `(import "env" "memory" (memory MIN MAX? shared?))` and exports functions
 * `(func (export "name") (param $p i32)* (result t)? (local $l t)* instr*)`.
 */
export function assembleWat(text: string): Uint8Array {
  const root = parse(text);
  if (!isList(root) || root[0] !== 'module') throw new Error('wat: (module ...) expected');
  const types: number[][] = [];
  const funcTypes: number[] = [];
  const exports: number[][] = [];
  const bodies: number[][] = [];
  const imports: number[][] = [];
  for (const field of root.slice(1)) {
    if (!isList(field)) throw new Error(`wat: unexpected ${field}`);
    if (field[0] === 'import') {
      const [, mod, name, desc] = field;
      if (!isList(desc) || desc[0] !== 'memory') throw new Error('wat: only a memory import is supported');
      const [, min, max, shared] = desc as string[];
      const limits = max === undefined ? [0x00, ...uleb(Number(min))] : [shared === 'shared' ? 0x03 : 0x01, ...uleb(Number(min)), ...uleb(Number(max))];
      const str = (s: Sexp | undefined) => { const b = utf8(String(s).slice(1, -1)); return [...uleb(b.length), ...b]; };
      imports.push([...str(mod), ...str(name), 0x02, ...limits]);
      continue;
    }
    if (field[0] !== 'func') throw new Error(`wat: unsupported module field ${String(field[0])}`);
    const ctx: FuncContext = { locals: new Map(), labels: [] };
    const params: number[] = [];
    const results: number[] = [];
    const locals: number[] = [];
    const code: number[] = [];
    let exportName: string | undefined;
    for (const part of field.slice(1)) {
      const kind = head(part);
      const items = isList(part) ? part.slice(1) : [];
      if (kind === 'export') exportName = String(items[0]).slice(1, -1);
      else if (kind === 'param' || kind === 'local') {
        const name = String(items[0]);
        const type = VALTYPES[String(items[1])];
        if (type === undefined) throw new Error(`wat: unsupported type ${String(items[1])}`);
        ctx.locals.set(name, params.length + locals.length);
        (kind === 'param' ? params : locals).push(type);
      } else if (kind === 'result') results.push(VALTYPES[String(items[0])] as number);
      else instr(part, ctx, code);
    }
    const type = [0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))];
    let typeIndex = types.findIndex((t) => t.length === type.length && t.every((b, i) => b === type[i]));
    if (typeIndex < 0) typeIndex = types.push(type) - 1;
    const funcIndex = funcTypes.push(typeIndex) - 1;
    if (exportName !== undefined) exports.push([...uleb(utf8(exportName).length), ...utf8(exportName), 0x00, ...uleb(funcIndex)]);
    const localGroups: number[][] = [];
    for (const t of locals) {
      const last = localGroups[localGroups.length - 1];
      if (last && last[1] === t) last[0] = (last[0] as number) + 1;
      else localGroups.push([1, t]);
    }
    const body = [...vec(localGroups.map(([count, t]) => [...uleb(count as number), t as number])), ...code, 0x0b];
    bodies.push([...uleb(body.length), ...body]);
  }
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(imports.length ? section(2, vec(imports)) : []),
    ...section(3, vec(funcTypes.map((t) => uleb(t)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
