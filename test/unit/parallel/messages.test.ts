/**
 * The worker-thread messages are checked by the same checkers as the
 * subprocess and webview messages. Before, a hand-written guard looked only at
 * `type` and `taskId`: a `trained` message without its network passed, and any
 * message it did not recognise was dropped, so its task never finished.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkMatrixRequest,
  checkWorkerRequest,
  readWorkerRequest,
  readWorkerResponse,
} from '../../../src/compute/parallel/messages';
import { ProtocolError } from '../../../src/protocol/check';
import { runTrainTasks } from '../../../src/compute/parallel/pool';

const config = {
  kind: 'logreg' as const,
  hidden: [],
  convChannels: [],
  weightDecay: 0.01,
  epochs: 1,
  batchSize: 8,
  learningRate: 0.01,
  seed: 3,
};
const net = { config, dims: 2, numClasses: 2, body: [], featureDim: 2, head: new Float64Array(6) };

test('well-formed messages pass unchanged', () => {
  const done = { type: 'trained', taskId: 4, net, evalProbs: new Float32Array(4), backend: 'cpu', seconds: 0.5 };
  assert.deepEqual(readWorkerResponse(done), done);
  const progress = { type: 'progress', taskId: 1, progress: { epoch: 1, epochs: 3, loss: 0.7 } };
  assert.deepEqual(readWorkerResponse(progress), progress);
  const task = {
    type: 'train',
    taskId: 0,
    config,
    data: { x: new Float32Array(4), y: new Int32Array(2), n: 2, dims: 2, numClasses: 2 },
    rows: new Int32Array([0]),
  };
  assert.deepEqual(checkWorkerRequest(task, 'task'), task);
});

test('a malformed response is an internal error naming the field', () => {
  assert.throws(
    () => readWorkerResponse({ type: 'trained', taskId: 4, backend: 'cpu', seconds: 1 }),
    /^Error: internal error: a training thread sent a malformed message \(worker message\.net: expected an object, got undefined\)/,
  );
  assert.throws(
    () =>
      readWorkerResponse({
        type: 'trained',
        taskId: 4,
        net: { ...net, head: [0, 0, 0, 0, 0, 0] },
        backend: 'cpu',
        seconds: 1,
      }),
    /worker message\.net\.head: expected a Float64Array, got an array/,
  );
  assert.throws(
    () => readWorkerResponse({ type: 'done', taskId: 4 }),
    /worker message\.type: expected one of "trained", "progress", "failed"/,
  );
  assert.throws(() => readWorkerResponse(null), /internal error: a training thread sent a malformed message/);
});

test('a malformed task is answered with `failed` for that task, naming the field', () => {
  const answer = readWorkerRequest({ type: 'train', taskId: 7, config: { ...config, kind: 'forest' }, data: {} });
  assert.ok('failed' in answer);
  assert.equal(answer.failed.taskId, 7);
  assert.match(
    answer.failed.type === 'failed' ? answer.failed.message : '',
    /malformed task \(task\.config\.kind: expected one of "logreg", "mlp", "cnn"/,
  );
});

test(
  'through real worker threads: a malformed task rejects the pool with ' + 'that internal error instead of hanging',
  async () => {
    // Two workers so the tasks go to threads; the second task's data is not typed arrays.
    const good = {
      type: 'train' as const,
      taskId: 0,
      config,
      data: {
        x: new Float32Array([0, 1, 1, 0, 0, 0, 1, 1]),
        y: new Int32Array([0, 1, 0, 1]),
        n: 4,
        dims: 2,
        numClasses: 2,
      },
    };
    const bad = { ...good, taskId: 1, data: { ...good.data, y: [0, 1, 0, 1] } } as unknown as typeof good;
    await assert.rejects(
      runTrainTasks([good, bad], { workers: 2 }),
      /internal error: a training thread got a malformed task \(task\.data\.y: expected an Int32Array, got an array\)/,
    );
  },
);

test("a factor check's matrix must be in shared memory (read in place); Hessian products carry their rows once", () => {
  const shared = new Float64Array(new SharedArrayBuffer(4 * 8));
  const check = { type: 'deviation', id: 1, packed: shared, diagonal: new Float64Array(2), n: 2, steps: 12 };
  assert.deepEqual(checkMatrixRequest(check, 'request'), check);
  assert.throws(
    () => checkMatrixRequest({ ...check, packed: new Float64Array(4) }, 'request'),
    (e: Error) => e instanceof ProtocolError && /packed/.test(e.message) && /shared memory/.test(e.message),
  );
  const rows = { phi: new Float32Array(6), y: new Int32Array(2), probs: new Float64Array(4), n: 2 };
  const first = { type: 'headProduct', id: 2, name: 'k0:headRows', v: new Float64Array(8), rows };
  const withShape = { ...first, rows: { ...rows, featureDim: 3, numClasses: 2 } };
  assert.deepEqual(checkMatrixRequest(withShape, 'request'), withShape);
  assert.throws(() => checkMatrixRequest(first, 'request'), ProtocolError);
  const next = { type: 'headProduct', id: 3, name: 'k0:headRows', v: new Float64Array(8) };
  assert.deepEqual(checkMatrixRequest(next, 'request'), next);
});
