/**
 * Finds the embedding and the final layer of an ONNX classifier. From the
 * logits output, back through Softmax/LogSoftmax/Identity/Flatten-free
 * activations of the probabilities, to the last Gemm, or MatMul (+ Add): its
 * input is the embedding, its weight and bias initializers are the head.
 * With a named embedding (--embedding-output) that is not that input, there
 * is no model head: a fresh head is fitted on the named tensor.
 */
import { optionRef } from '../options/derive';
import type { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import { quote } from '../data/quote';
import { tensorDims, tensorSizeProblem, tensorValues, toNumber } from './tensors';

export interface ModelHead {
  /** F × C kernel (row-major) and C bias, as the model computes logits = e·W + b. */
  kernel: Float64Array;
  bias: Float64Array;
  featureDim: number;
  numClasses: number;
  /** The node that holds it, for messages. */
  node: string;
}

export interface GraphCut {
  /** The graph input that is fed. */
  input: string;
  /** Its shape: numbers where fixed, -1 where free (the batch, or a dynamic size). */
  inputShape: number[];
  /** The tensor taken as the embedding. */
  embedding: string;
  /** The output the head was traced from. */
  logits: string;
  head?: ModelHead;
}

const PASS_THROUGH = new Set(['Softmax', 'LogSoftmax', 'Identity', 'Sigmoid']);

function shapeOf(v: onnx.IValueInfoProto): number[] {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return dims.map((d) =>
    d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : -1,
  );
}

export function findHead(model: onnx.IModelProto, file: string, embeddingOutput?: string): GraphCut {
  const graph = model.graph;
  if (!graph) throw new InputError(file, 'holds no graph; expected an ONNX model (ModelProto with a graph)');
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const inputs = (graph.input ?? []).filter((v) => !inits.has(v.name ?? ''));
  if (inputs.length !== 1) {
    throw new InputError(
      file,
      `has ${inputs.length} inputs ` +
        `(${inputs.map((v) => quote(v.name ?? '')).join(', ')}); expected one ` +
        `input: the image or the feature row`,
    );
  }
  const outputs = graph.output ?? [];
  if (outputs.length === 0)
    throw new InputError(file, 'has no outputs; expected the class scores (logits or probabilities) as an output');
  const producer = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const out of node.output ?? []) producer.set(out, node);
  const traces = outputs.map((o) => traceHead(o.name ?? '', producer, inits, file));
  // The first output a final linear layer makes (a model may list its predicted label or an embedding first), or, with
  // a named embedding, the one whose final layer takes that tensor.
  const withHead = traces.filter((t) => t.head);
  const chosen =
    (embeddingOutput !== undefined && withHead.find((t) => t.head!.embedding === embeddingOutput)) ||
    withHead[0] ||
    traces[0];
  const { logits, node, head, after } = chosen;
  const traced = head?.embedding;
  if (embeddingOutput !== undefined) {
    const known = producer.has(embeddingOutput) || outputs.some((o) => o.name === embeddingOutput);
    if (!known)
      throw new InputError(
        file,
        `has no tensor ${quote(embeddingOutput)} ` +
          `(${optionRef('embeddingOutput')}); expected the name of an output or ` +
          `of a node's output in the graph`,
      );
    if (after.has(embeddingOutput))
      throw new InputError(
        file,
        `the tensor ${quote(embeddingOutput)} (${optionRef('embeddingOutput')}) is the final layer's output or ` +
          `computed from it; expected a tensor before it, such as the final layer's input ${quote(traced ?? '')}`,
      );
  } else if (!head) {
    throw new InputError(
      file,
      `the output ${quote(logits)} is made by ` +
        `${node ? `${/^[AEIOU]/.test(node.opType ?? '') ? 'an' : 'a'} ${node.opType} node` : 'no node'}, not by a Gemm ` +
        `or MatMul (+ Add) final layer; expected a classifier ending in a linear layer, ` +
        `or name the embedding with ${optionRef('embeddingOutput')}`,
    );
  }
  const embedding = embeddingOutput ?? traced!;
  return {
    input: inputs[0].name ?? '',
    inputShape: shapeOf(inputs[0]),
    embedding,
    logits,
    ...(head && embedding === traced ? { head: head.head } : {}),
  };
}

interface Trace {
  /** The output traced. */
  logits: string;
  /** The node reached below the activations (the final layer, when it is one). */
  node: onnx.INodeProto | undefined;
  head: { embedding: string; head: ModelHead } | null;
  /** The tensors computed from the final layer's scores (its output, the activations after it, the output). */
  after: Set<string>;
}

/** From one output back through the activations to the node below them, and whether it is a final linear layer. */
function traceHead(
  logits: string,
  producer: Map<string, onnx.INodeProto>,
  inits: Map<string, onnx.ITensorProto>,
  file: string,
): Trace {
  const after = new Set<string>();
  let t = logits;
  let node = producer.get(t);
  while (node && PASS_THROUGH.has(node.opType ?? '')) {
    if (after.has(t))
      throw new InputError(file, `the graph has a cycle through the tensor ${quote(t)}; expected an acyclic graph`);
    after.add(t);
    t = node.input?.[0] ?? '';
    node = producer.get(t);
  }
  const head = node ? headOf(node, producer, inits, file) : null;
  if (head && node) {
    after.add(t);
    // A MatMul + Add layer: the product before the bias is the layer's too.
    if (node.opType === 'Add') for (const input of node.input ?? []) if (producer.has(input)) after.add(input);
  }
  return { logits, node, head, after };
}

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function headOf(
  node: onnx.INodeProto,
  producer: Map<string, onnx.INodeProto>,
  inits: Map<string, onnx.ITensorProto>,
  file: string,
): { embedding: string; head: ModelHead } | null {
  const op = node.opType ?? '';
  const name = node.name || op;
  const weight = (tensor: string) => {
    const init = inits.get(tensor);
    if (!init) return null;
    const sizeProblem = tensorSizeProblem(init);
    if (sizeProblem) throw new InputError(file, `the final layer's ${quote(tensor)} ${sizeProblem}`);
    const values = tensorValues(init);
    if (!values)
      throw new InputError(
        file,
        `the final layer's ${quote(tensor)} is not float32/float64 data stored ` +
          `in the model; expected its weights as an initializer`,
      );
    if (!values.every(Number.isFinite))
      throw new InputError(
        file,
        `the final layer's ${quote(tensor)} holds NaN or infinite values; expected finite weights`,
      );
    return { values, dims: tensorDims(init) };
  };
  if (op === 'Gemm') {
    const [a, b, c] = node.input ?? [];
    if (toNumber(attr(node, 'transA')?.i) !== 0) return null;
    const w = weight(b);
    if (!w || w.dims.length !== 2) return null;
    const transB = toNumber(attr(node, 'transB')?.i) !== 0;
    const alpha = attr(node, 'alpha')?.f ?? 1;
    const beta = attr(node, 'beta')?.f ?? 1;
    const [f, cls] = transB ? [w.dims[1], w.dims[0]] : w.dims;
    const kernel = new Float64Array(f * cls);
    for (let j = 0; j < f; j++)
      for (let k = 0; k < cls; k++)
        kernel[j * cls + k] = alpha * (transB ? w.values[k * f + j] : w.values[j * cls + k]);
    const bias = new Float64Array(cls);
    if (c) {
      const bw = weight(c);
      if (!bw) return null;
      if (bw.values.length === cls) for (let k = 0; k < cls; k++) bias[k] = beta * bw.values[k];
      else if (bw.values.length === 1) bias.fill(beta * bw.values[0]);
      else return null;
    }
    return { embedding: a, head: { kernel, bias, featureDim: f, numClasses: cls, node: name } };
  }
  let matmul = node;
  let bias: Float64Array | null = null;
  if (op === 'Add') {
    const [x, y] = node.input ?? [];
    const [from, biasName] = inits.has(y) ? [x, y] : [y, x];
    const m = producer.get(from);
    const b = weight(biasName);
    if (!m || m.opType !== 'MatMul' || !b) return null;
    matmul = m;
    bias = b.values;
  } else if (op !== 'MatMul') return null;
  const [a, b] = matmul.input ?? [];
  const w = weight(b);
  if (!w || w.dims.length !== 2) return null;
  const [f, cls] = w.dims;
  if (bias && bias.length !== cls) return null;
  return {
    embedding: a,
    head: {
      kernel: w.values,
      bias: bias ?? new Float64Array(cls),
      featureDim: f,
      numClasses: cls,
      node: matmul.name || 'MatMul',
    },
  };
}
