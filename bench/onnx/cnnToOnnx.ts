/**
 * The engine's own CNN (src/compute/models/cnn.ts) written as ONNX, for the
 * benchmark's "your own model" detection row: NHWC input → Transpose →
 * (Conv 3×3 same → Relu → MaxPool 2×2)* → Transpose back to NHWC (the
 * engine flattens h, w, c) → Flatten → MatMul + Add → Relu = 'embedding' →
 * Gemm (the head) → logits. Kernels go from HWIO to OIHW.
 */
import { onnx } from 'onnx-proto';
import type { TrainedNetwork } from '../../src/compute/models/types';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

export function cnnToOnnx(net: TrainedNetwork): Uint8Array {
  if (net.config.kind !== 'cnn' || !net.imageShape) throw new Error('cnnToOnnx needs a trained cnn');
  const [height, width, channels] = net.imageShape;
  const inits: onnx.ITensorProto[] = [];
  const nodes: onnx.INodeProto[] = [];
  const tensor = (name: string, dims: number[], values: ArrayLike<number>) => {
    inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  };
  const ints = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  nodes.push({ opType: 'Transpose', input: ['image'], output: ['nchw'], attribute: [ints('perm', [0, 3, 1, 2])] });
  let x = 'nchw';
  const blocks = net.config.convChannels.length;
  for (let k = 0; k < blocks; k++) {
    const kernel = net.body[2 * k];
    const [kh, kw, cin, cout] = kernel.shape;
    const oihw = new Float32Array(kernel.data.length);
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < kh; y++)
          for (let z = 0; z < kw; z++) {
            oihw[((o * cin + i) * kh + y) * kw + z] = kernel.data[((y * kw + z) * cin + i) * cout + o];
          }
    const w = tensor(`conv${k}.w`, [cout, cin, kh, kw], oihw);
    const b = tensor(`conv${k}.b`, [cout], net.body[2 * k + 1].data);
    nodes.push({
      opType: 'Conv',
      input: [x, w, b],
      output: [`conv${k}`],
      attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])],
    });
    nodes.push({ opType: 'Relu', input: [`conv${k}`], output: [`relu${k}`] });
    nodes.push({
      opType: 'MaxPool',
      input: [`relu${k}`],
      output: [`pool${k}`],
      attribute: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])],
    });
    x = `pool${k}`;
  }
  nodes.push({ opType: 'Transpose', input: [x], output: ['nhwc'], attribute: [ints('perm', [0, 2, 3, 1])] });
  nodes.push({
    opType: 'Flatten',
    input: ['nhwc'],
    output: ['flat'],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  });
  const dense = net.body[2 * blocks];
  tensor('dense.w', dense.shape, dense.data);
  tensor('dense.b', net.body[2 * blocks + 1].shape, net.body[2 * blocks + 1].data);
  nodes.push({ opType: 'MatMul', input: ['flat', 'dense.w'], output: ['dense.mm'] });
  nodes.push({ opType: 'Add', input: ['dense.mm', 'dense.b'], output: ['dense.pre'] });
  nodes.push({ opType: 'Relu', input: ['dense.pre'], output: ['embedding'] });
  const f = net.featureDim;
  const c = net.numClasses;
  tensor('head.w', [f, c], net.head.subarray(0, f * c));
  tensor('head.b', [c], net.head.subarray(f * c));
  nodes.push({ opType: 'Gemm', input: ['embedding', 'head.w', 'head.b'], output: ['logits'] });
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
      name: 'engine-cnn',
      node: nodes,
      initializer: inits,
      input: [vi('image', ['N', height, width, channels])],
      output: [vi('logits', ['N', c])],
    },
  }).finish();
}
