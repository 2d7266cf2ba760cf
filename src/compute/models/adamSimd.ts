/**
 * The Adam update of adamFloat32.ts, four lanes at a time in a small
 * WebAssembly SIMD function assembled here.
 *
 * Why: the float32 loop in JavaScript costs ~14 ns per weight (each
 * Math.fround is a round trip through float64, and the chain of divisions
 * and a square root is long): 1.4 ms per step for the MLP's 100k first-layer
 * weights, as long as its matMuls. f32x4 arithmetic in wasm is IEEE float32
 * with round-to-nearest (no fused multiply-add, denormals kept), the same
 * operations as the JavaScript loop, so the weights are the same bit for bit
 * (test/unit/models/adamSimd.test.ts).
 *
 * The weights, gradients and both moments live in the module's memory; the
 * caller reads and writes them through the Float32Array views. Every array
 * starts on a 16-byte boundary and is padded to a multiple of 4 with zeros,
 * which the update leaves at zero (0 / (√0 + ε) = 0).
 */
import { type AdamArrays, type AdamSettings, adamConstants, BiasCorrection } from './adamFloat32';

// The few opcodes used (WebAssembly core and SIMD specifications).
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32Const: (v: number) => [0x41, ...signedLeb(v)],
  i32Add: [0x6a],
  i32GeU: [0x4f],
  f32Load: [0x2a, 2, 0],
  f32Add: [0x92],
  f32Mul: [0x94],
  v128Load: [0xfd, 0x00, 4, 0],
  v128Store: [0xfd, 0x0b, 4, 0],
  f32x4Splat: [0xfd, 0x13],
  f32x4Sqrt: [0xfd, 0xe3, 0x01],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f32x4Div: [0xfd, 0xe7, 0x01],
};

function unsignedLeb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function signedLeb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...unsignedLeb(body.length), ...body];

// adam(w, g, m, v, bytes, beta1, beta2, 1−beta1, 1−beta2, c1, c2, eps, −rate, decay) → Σw² (f32).
const P = { w: 0, g: 1, m: 2, v: 3, bytes: 4, beta1: 5, beta2: 6, o1: 7, o2: 8, c1: 9, c2: 10, eps: 11, rate: 12 };
const PARAM_DECAY = 13;
// Locals after the 14 parameters: i (i32), s and t (f32), then v128s.
const L = { i: 14, s: 15, t: 16, W: 17, G: 18, M: 19, V: 20 };
/** The splatted constants, one v128 local per scalar parameter 5..13. */
const splat = (param: number) => 21 + (param - 5);

function adamFunctionBody(): number[] {
  const addr = (base: number) => [...op.get(base), ...op.get(L.i), ...op.i32Add];
  const code: number[] = [];
  // Σw², one element after another in float32 (the order tf.sum uses on wasm).
  code.push(...op.i32Const(0), ...op.set(L.i));
  code.push(...op.block, ...op.loop);
  code.push(...op.get(L.i), ...op.get(P.bytes), ...op.i32GeU, ...op.brIf(1));
  code.push(...op.get(L.s), ...addr(P.w), ...op.f32Load, ...op.tee(L.t), ...op.get(L.t), ...op.f32Mul, ...op.f32Add);
  code.push(...op.set(L.s));
  code.push(...op.get(L.i), ...op.i32Const(4), ...op.i32Add, ...op.set(L.i), ...op.br(0));
  code.push(...op.end, ...op.end);
  for (let p = P.beta1; p <= PARAM_DECAY; p++) code.push(...op.get(p), ...op.f32x4Splat, ...op.set(splat(p)));
  // The update, in the order of adamFloat32.ts.
  code.push(...op.i32Const(0), ...op.set(L.i));
  code.push(...op.block, ...op.loop);
  code.push(...op.get(L.i), ...op.get(P.bytes), ...op.i32GeU, ...op.brIf(1));
  code.push(...addr(P.w), ...op.v128Load, ...op.set(L.W));
  // g = ∂loss + decay·(w + w)
  code.push(...addr(P.g), ...op.v128Load, ...op.get(splat(PARAM_DECAY)), ...op.get(L.W), ...op.get(L.W));
  code.push(...op.f32x4Add, ...op.f32x4Mul, ...op.f32x4Add, ...op.set(L.G));
  // m = m·β1 + g·(1 − β1)
  code.push(...addr(P.m), ...addr(P.m), ...op.v128Load, ...op.get(splat(P.beta1)), ...op.f32x4Mul);
  code.push(...op.get(L.G), ...op.get(splat(P.o1)), ...op.f32x4Mul, ...op.f32x4Add, ...op.tee(L.M), ...op.v128Store);
  // v = v·β2 + (g·g)·(1 − β2)
  code.push(...addr(P.v), ...addr(P.v), ...op.v128Load, ...op.get(splat(P.beta2)), ...op.f32x4Mul);
  code.push(...op.get(L.G), ...op.get(L.G), ...op.f32x4Mul, ...op.get(splat(P.o2)), ...op.f32x4Mul);
  code.push(...op.f32x4Add, ...op.tee(L.V), ...op.v128Store);
  // w = ((m / c1) / (√(v / c2) + ε))·(−rate) + w
  code.push(...addr(P.w), ...op.get(L.M), ...op.get(splat(P.c1)), ...op.f32x4Div);
  code.push(...op.get(L.V), ...op.get(splat(P.c2)), ...op.f32x4Div, ...op.f32x4Sqrt, ...op.get(splat(P.eps)));
  code.push(...op.f32x4Add, ...op.f32x4Div, ...op.get(splat(P.rate)), ...op.f32x4Mul, ...op.get(L.W), ...op.f32x4Add);
  code.push(...op.v128Store);
  code.push(...op.get(L.i), ...op.i32Const(16), ...op.i32Add, ...op.set(L.i), ...op.br(0));
  code.push(...op.end, ...op.end);
  code.push(...op.get(L.s), ...op.end);
  const splats = PARAM_DECAY - P.beta1 + 1;
  const locals = [3, 1, I32, 2, F32, 4 + splats, V128];
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const params = [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32];
  const type = [1, 0x60, params.length, ...params, 1, F32];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00];
  const body = adamFunctionBody();
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, type),
    ...section(2, imports),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('adam'), 0x00, 0]),
    ...section(10, [1, ...unsignedLeb(body.length), ...body]),
  ]);
}

type AdamFunction = (...args: number[]) => number;

/** The part of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

/** The compiled module, or null where this runtime has no wasm SIMD. */
function adamModule(): object | null {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

const PAGE = 65536;
const padded = (n: number) => Math.ceil(n / 4) * 4;

export class AdamSimd implements AdamArrays {
  readonly weights: Float32Array[];
  readonly gradients: Float32Array[];
  private readonly offsets: { w: number; g: number; m: number; v: number; bytes: number }[];
  private readonly adam: AdamFunction;
  private readonly constants: ReturnType<typeof adamConstants>;
  private readonly bias = new BiasCorrection();

  /** Undefined where the runtime has no wasm SIMD (then use AdamFloat32). */
  static create(initial: readonly Float32Array[], settings: AdamSettings): AdamSimd | undefined {
    const module = adamModule();
    return module ? new AdamSimd(module, initial, settings) : undefined;
  }

  private constructor(module: object, initial: readonly Float32Array[], settings: AdamSettings) {
    const floats = initial.reduce((sum, w) => sum + 4 * padded(w.length), 0);
    const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil((floats * 4) / PAGE)) });
    const instance = new wasm!.Instance(module, { env: { memory } });
    this.adam = instance.exports.adam as AdamFunction;
    let next = 0;
    const take = (n: number) => {
      const view = new Float32Array(memory.buffer, next * 4, n);
      next += padded(n);
      return view;
    };
    this.offsets = [];
    this.weights = [];
    this.gradients = [];
    for (const w of initial) {
      const weights = take(w.length);
      weights.set(w);
      const gradients = take(w.length);
      const m = take(w.length);
      const v = take(w.length);
      this.weights.push(weights);
      this.gradients.push(gradients);
      const bytes = padded(w.length) * 4;
      this.offsets.push({ w: weights.byteOffset, g: gradients.byteOffset, m: m.byteOffset, v: v.byteOffset, bytes });
    }
    this.constants = adamConstants(settings);
  }

  beginStep(): void {
    this.bias.begin();
  }

  update(k: number): number {
    const o = this.offsets[k];
    const c = this.constants;
    const { correction1, correction2 } = this.bias;
    return this.adam(
      o.w,
      o.g,
      o.m,
      o.v,
      o.bytes,
      c.beta1,
      c.beta2,
      c.oneMinusBeta1,
      c.oneMinusBeta2,
      correction1,
      correction2,
      c.epsilon,
      c.negativeRate,
      c.decay,
    );
  }

  endStep(): void {
    this.bias.end();
  }
}
