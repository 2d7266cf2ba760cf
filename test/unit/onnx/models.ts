/**
 * Small ONNX models with known weights, written as protobuf by the tests
 * themselves (onnx-proto), and the same networks computed independently in
 * plain JS, so the embeddings ONNX Runtime gives can be checked.
 */
import { onnx } from 'onnx-proto';
import { createRng, normal } from '../../../src/compute/random';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function floats(name: string, dims: number[], values: ArrayLike<number>): onnx.TensorProto {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(Float32Array.from(values).buffer),
  });
}

export function valueInfo(name: string, dims: (number | string)[]): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export function node(
  opType: string,
  input: string[],
  output: string[],
  attribute: onnx.IAttributeProto[] = [],
): onnx.NodeProto {
  return onnx.NodeProto.create({ opType, input, output, name: `${opType}_${output[0]}`, attribute });
}

export const ints = (name: string, values: number[]): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: values,
});
export const int = (name: string, value: number): onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i: value,
});

export function modelBytes(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      producerName: 'influence-lens-test',
      graph,
    }),
  ).finish();
}

export function randomValues(n: number, seed: number, scale = 0.5): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => Math.fround(scale * normal(rng)));
}

/**
 * MLP: x [N, I] → Gemm(W1 stored transposed, transB=1) → Relu = 'hidden' [N, H]
 * → MatMul(W2) → Add(b2) → 'logits' [N, C]. The embedding is 'hidden'.
 */
export interface Mlp {
  inputs: number;
  hidden: number;
  classes: number;
  /** H × I (as stored: transB). */
  w1: Float32Array;
  b1: Float32Array;
  /** H × C. */
  w2: Float32Array;
  b2: Float32Array;
}

export function makeMlp(inputs: number, hidden: number, classes: number, seed: number): Mlp {
  return {
    inputs,
    hidden,
    classes,
    w1: randomValues(hidden * inputs, seed),
    b1: randomValues(hidden, seed + 1, 0.1),
    w2: randomValues(hidden * classes, seed + 2, 1),
    b2: randomValues(classes, seed + 3, 0.2),
  };
}

export function mlpBytes(m: Mlp, classesOut = m.classes): Uint8Array {
  return modelBytes({
    name: 'mlp',
    node: [
      node('Gemm', ['x', 'W1', 'b1'], ['pre'], [int('transB', 1)]),
      node('Relu', ['pre'], ['hidden']),
      node('MatMul', ['hidden', 'W2'], ['mm']),
      node('Add', ['mm', 'b2'], ['logits']),
    ],
    initializer: [
      floats('W1', [m.hidden, m.inputs], m.w1),
      floats('b1', [m.hidden], m.b1),
      floats('W2', [m.hidden, classesOut], m.w2.slice(0, m.hidden * classesOut)),
      floats('b2', [classesOut], m.b2.slice(0, classesOut)),
    ],
    input: [valueInfo('x', ['N', m.inputs])],
    output: [valueInfo('logits', ['N', classesOut])],
  });
}

/** relu(x·W1ᵀ + b1), float64. */
export function mlpEmbedding(m: Mlp, x: number[]): number[] {
  return Array.from({ length: m.hidden }, (_, h) => {
    let s = m.b1[h];
    for (let i = 0; i < m.inputs; i++) s += x[i] * m.w1[h * m.inputs + i];
    return Math.max(0, s);
  });
}

/**
 * CNN on [N, 1, S, S]: Conv 3×3 (K channels, pad 1) → Relu → MaxPool 2×2 →
 * Flatten = 'emb' [N, K·(S/2)²] → Gemm(W2 [F, C], b2) → Softmax → 'probs'.
 */
export interface Cnn {
  size: number;
  channels: number;
  classes: number;
  /** K × 1 × 3 × 3. */
  conv: Float32Array;
  convBias: Float32Array;
  /** F × C. */
  w2: Float32Array;
  b2: Float32Array;
}

export function makeCnn(size: number, channels: number, classes: number, seed: number): Cnn {
  const f = channels * (size / 2) ** 2;
  return {
    size,
    channels,
    classes,
    conv: randomValues(channels * 9, seed, 0.6),
    convBias: randomValues(channels, seed + 1, 0.1),
    w2: randomValues(f * classes, seed + 2, 0.5),
    b2: randomValues(classes, seed + 3, 0.1),
  };
}

export function cnnBytes(m: Cnn): Uint8Array {
  const f = m.channels * (m.size / 2) ** 2;
  return modelBytes({
    name: 'cnn',
    node: [
      node('Conv', ['image', 'K', 'kb'], ['conv'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]),
      node('Relu', ['conv'], ['act']),
      node('MaxPool', ['act'], ['pool'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
      node('Flatten', ['pool'], ['emb'], [int('axis', 1)]),
      node('Gemm', ['emb', 'W2', 'b2'], ['logits']),
      node('Softmax', ['logits'], ['probs'], [int('axis', 1)]),
    ],
    initializer: [
      floats('K', [m.channels, 1, 3, 3], m.conv),
      floats('kb', [m.channels], m.convBias),
      floats('W2', [f, m.classes], m.w2),
      floats('b2', [m.classes], m.b2),
    ],
    input: [valueInfo('image', ['N', 1, m.size, m.size])],
    output: [valueInfo('probs', ['N', m.classes])],
  });
}

/**
 * The CNN's embedding of one image (row-major S × S, already normalised), float64, in Flatten's (channel, row, col)
 * order.
 */
export function cnnEmbedding(m: Cnn, img: number[]): number[] {
  const s = m.size;
  const at = (r: number, c: number) => (r < 0 || c < 0 || r >= s || c >= s ? 0 : img[r * s + c]);
  const out: number[] = [];
  for (let k = 0; k < m.channels; k++) {
    const act = (r: number, c: number) => {
      let v = m.convBias[k];
      for (let dr = 0; dr < 3; dr++)
        for (let dc = 0; dc < 3; dc++) v += m.conv[k * 9 + dr * 3 + dc] * at(r + dr - 1, c + dc - 1);
      return Math.max(0, v);
    };
    for (let r = 0; r < s / 2; r++)
      for (let c = 0; c < s / 2; c++)
        out.push(Math.max(act(2 * r, 2 * c), act(2 * r, 2 * c + 1), act(2 * r + 1, 2 * c), act(2 * r + 1, 2 * c + 1)));
  }
  return out;
}
