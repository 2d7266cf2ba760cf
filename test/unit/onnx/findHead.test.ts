/**
 * Finding the embedding and the final layer of a user's ONNX graph (src/compute/onnx/findHead.ts) on graphs an
 * adversarial user exported: a cycle is refused rather than walked forever, a final layer whose stored weights do not
 * match their dimensions or hold NaN is refused naming the tensor, every output is traced (a predicted label may come
 * first), and an embedding named after the final layer (the class scores themselves) is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { InputError } from '../../../src/compute/errors';
import { findHead } from '../../../src/compute/onnx/findHead';
import { floats, modelBytes, node, valueInfo } from './models';

const F = 4;
const C = 3;
const weights = Array.from({ length: F * C }, (_, k) => (k % 5) - 2);

/** x → Relu → hidden → MatMul W2 → mm → Add b2 → logits → Softmax → probs, plus any extra nodes and outputs. */
function graph(options: { w2?: onnx.TensorProto; outputs?: string[]; extra?: onnx.NodeProto[] } = {}) {
  const bytes = modelBytes({
    name: 'g',
    node: [
      node('Relu', ['x'], ['hidden']),
      node('MatMul', ['hidden', 'W2'], ['mm']),
      node('Add', ['mm', 'b2'], ['logits']),
      node('Softmax', ['logits'], ['probs']),
      ...(options.extra ?? []),
    ],
    initializer: [options.w2 ?? floats('W2', [F, C], weights), floats('b2', [C], [0.1, 0.2, 0.3])],
    input: [valueInfo('x', ['N', F])],
    output: (options.outputs ?? ['probs']).map((name) => valueInfo(name, ['N', C])),
  });
  return onnx.ModelProto.decode(bytes);
}

const refused = (run: () => unknown, pattern: RegExp) =>
  assert.throws(run, (e: unknown) => e instanceof InputError && pattern.test(e.message));

test('the final layer is found through the activations, its input is the embedding', () => {
  const cut = findHead(graph(), 'm.onnx');
  assert.equal(cut.embedding, 'hidden');
  assert.equal(cut.logits, 'probs');
  assert.deepEqual([...cut.head!.kernel], weights);
});

test('a cycle in the graph is refused, not walked forever', () => {
  const model = graph({
    outputs: ['a'],
    extra: [node('Identity', ['b'], ['a']), node('Identity', ['a'], ['b'])],
  });
  refused(
    () => findHead(model, 'm.onnx'),
    /the graph has a cycle through the tensor '[ab]'; expected an acyclic graph/,
  );
});

test('final-layer weights that do not match their dimensions, or hold NaN, are refused naming the tensor', () => {
  const truncated = floats('W2', [F, C], weights.slice(0, 2));
  refused(() => findHead(graph({ w2: truncated }), 'm.onnx'), /'W2' holds 2 values; expected 12 for its dimensions/);
  const negative = onnx.TensorProto.create({ ...floats('W2', [F, C], weights), dims: [-1, C] });
  refused(() => findHead(graph({ w2: negative }), 'm.onnx'), /'W2' has dimensions \[-1, 3\]; expected sizes of 0/);
  const nan = floats(
    'W2',
    [F, C],
    weights.map((w, k) => (k === 5 ? NaN : w)),
  );
  refused(() => findHead(graph({ w2: nan }), 'm.onnx'), /'W2' holds NaN or infinite values; expected finite weights/);
});

test('every output is traced: a predicted label listed first does not hide the class scores', () => {
  const model = graph({ outputs: ['label', 'probs'], extra: [node('ArgMax', ['probs'], ['label'])] });
  const cut = findHead(model, 'm.onnx');
  assert.equal(cut.logits, 'probs');
  assert.ok(cut.head);
  // The embedding listed as an output first, and named: the final layer that takes it still gives the head.
  const named = findHead(graph({ outputs: ['hidden', 'probs'] }), 'm.onnx', 'hidden');
  assert.ok(named.head, 'the head starts from the model');
});

test('an embedding named at or after the final layer (the class scores) is refused', () => {
  for (const tensor of ['mm', 'logits', 'probs'])
    refused(
      () => findHead(graph(), 'm.onnx', tensor),
      /is the final layer's output or computed from it; expected a tensor before it, such as the final layer's input 'hidden'/,
    );
});
