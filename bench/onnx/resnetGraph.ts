/**
 * A ResNet-18-shaped ONNX graph with random weights (He-scaled, seeded), for
 * the embedding-throughput benchmark: conv 7×7/2 → max-pool → four stages of
 * two basic blocks (64, 128, 256, 512 channels; 1×1 stride-2 projections) →
 * global average pool → flatten ('embedding', 512) → Gemm → logits. Batch
 * norm is folded into the conv biases, as an exported inference graph has
 * it. ~11.7 M parameters, ~45 MB.
 */
import { onnx } from 'onnx-proto';
import { createRng, normal } from '../../src/compute/random';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function resnet18Bytes(classes: number, size = 224, seed = 0): Uint8Array {
  const rng = createRng(seed);
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let count = 0;
  const weights = (name: string, dims: number[], fanIn: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    const scale = Math.sqrt(2 / fanIn);
    for (let k = 0; k < n; k++) values[k] = scale * normal(rng);
    inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer) });
    return name;
  };
  const bias = (name: string, n: number) => {
    inits.push({ name, dims: [n], dataType: FLOAT, rawData: new Uint8Array(new Float32Array(n).buffer) });
    return name;
  };
  const ints = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean) => {
    const id = `c${count++}`;
    nodes.push({
      opType: 'Conv',
      name: id,
      input: [x, weights(`${id}.w`, [cout, cin, k, k], cin * k * k), bias(`${id}.b`, cout)],
      output: [`${id}.out`],
      attribute: [
        ints('kernel_shape', [k, k]),
        ints('strides', [stride, stride]),
        ints('pads', Array(4).fill(Math.floor(k / 2))),
      ],
    });
    if (!relu) return `${id}.out`;
    nodes.push({ opType: 'Relu', name: `${id}.relu`, input: [`${id}.out`], output: [`${id}.act`] });
    return `${id}.act`;
  };
  let x = conv('image', 3, 64, 7, 2, true);
  nodes.push({
    opType: 'MaxPool',
    name: 'pool0',
    input: [x],
    output: ['pool0'],
    attribute: [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])],
  });
  x = 'pool0';
  let cin = 64;
  for (const [stage, cout] of [64, 128, 256, 512].entries()) {
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const a = conv(x, cin, cout, 3, stride, true);
      const b = conv(a, cout, cout, 3, 1, false);
      const skip = stride !== 1 || cin !== cout ? conv(x, cin, cout, 1, stride, false) : x;
      const id = `add${count++}`;
      nodes.push({ opType: 'Add', name: id, input: [b, skip], output: [`${id}.sum`] });
      nodes.push({ opType: 'Relu', name: `${id}.relu`, input: [`${id}.sum`], output: [`${id}.out`] });
      x = `${id}.out`;
      cin = cout;
    }
  }
  nodes.push({ opType: 'GlobalAveragePool', name: 'gap', input: [x], output: ['gap'] });
  nodes.push({
    opType: 'Flatten',
    name: 'flatten',
    input: ['gap'],
    output: ['embedding'],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  nodes.push({
    opType: 'Gemm',
    name: 'fc',
    input: ['embedding', weights('fc.w', [512, classes], 512), bias('fc.b', classes)],
    output: ['logits'],
  });
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'influence-lens-bench',
    graph: {
      name: 'resnet18-random',
      node: nodes,
      initializer: inits,
      input: [vi('image', ['N', 3, size, size])],
      output: [vi('logits', ['N', classes])],
    },
  }).finish();
}
