/**
 * A matrices worker's side of parallel/matrixHelper.ts: keeps named matrices on its own tfjs instance and answers
 * each request on the task's port (replyPort.ts), computing with the same code the engine's thread uses.
 */
import { formClassRows } from '../head/hessianClassRows';
import { type HeadData, headHessianVectorProduct, type HeadShape } from '../head/softmaxHead';
import { influencePart } from '../influence/influenceBlocks';
import { whitenedTestPart } from '../influence/whitenedTest';
import { searchExactPart, searchSelfPart } from '../issues/splitSearch';
import { updateTrailingChunks } from '../linalg/blockedCholesky';
import { packedFactorDeviation } from '../linalg/factorChecks';
import { MatrixStore } from '../linalg/productJobs';
import { LowerSolve } from '../linalg/triangularSolve';
import { initBackend } from '../tf/backend';
import { checkMatrixRequest, type MatricesTask, type MatrixRequest } from './messages';
import { failure, replyOn } from './replyPort';

/** Training rows of a softmax head, for headProduct requests. */
type HeadRows = Map<string, { data: HeadData; shape: HeadShape; probs: Float64Array }>;

function answer(
  store: MatrixStore,
  heads: HeadRows,
  request: MatrixRequest,
): { f32: Float32Array[]; f64: Float64Array[]; i32?: Int32Array[] } {
  switch (request.type) {
    case 'put':
      store.put(request.name, request.data, request.rows, request.cols);
      return { f32: [], f64: [] };
    case 'putLower':
      store.putLower(request.name, request.data, request.p);
      return { f32: [], f64: [] };
    case 'putSolve':
      store.putOperator(request.name, new LowerSolve(request.factor, request.p));
      return { f32: [], f64: [] };
    case 'drop':
      store.drop(request.names);
      for (const name of request.names) heads.delete(name);
      return { f32: [], f64: [] };
    case 'headProduct': {
      const { rows } = request;
      if (rows) {
        const { phi, y, probs, n, featureDim, numClasses } = rows;
        heads.set(request.name, { data: { phi, y, n }, shape: { featureDim, numClasses }, probs });
      }
      const head = heads.get(request.name);
      if (!head) throw new Error(`internal error: no head rows named ${request.name}`);
      return { f32: [], f64: [headHessianVectorProduct(head.data, head.shape, head.probs, 0, request.v)] };
    }
    case 'hessianRows': {
      formClassRows(store, request);
      return { f32: [], f64: [] };
    }
    case 'products':
      return { f32: request.jobs.map((job) => store.product(job)), f64: [] };
    case 'deviation': {
      const { packed, diagonal, n, steps } = request;
      return { f32: [], f64: [Float64Array.of(packedFactorDeviation(packed, diagonal, n, steps))] };
    }
    case 'trailingUpdate':
      updateTrailingChunks(request, request.claims);
      return { f32: [], f64: [] };
    case 'nearestSelf': {
      const { x, n, d } = request;
      const { out, taken } = searchSelfPart({ x, n, d }, request.k, request.claims);
      return { f32: [], f64: [out.distance], i32: [out.index, taken] };
    }
    case 'nearestExact': {
      const { queries, queryIds, refs, refIds, k, skipSelf, claims } = request;
      const { out, taken } = searchExactPart(queries, queryIds, refs, refIds, k, skipSelf, claims);
      return { f32: [], f64: [out.distance], i32: [out.index, taken] };
    }
    case 'whitenedTest': {
      const { phi, y, probs, n, featureDim, numClasses } = request.rows;
      const rows = { test: { phi, y, n }, shape: { featureDim, numClasses }, probs, starts: request.starts };
      const { out, taken } = whitenedTestPart(store.lower(request.whitening), rows, request.claims);
      return { f32: [out], f64: [], i32: [taken] };
    }
    case 'influence': {
      const { phi, y, probs, n, featureDim, numClasses } = request.rows;
      const { self, tracker, taken } = influencePart(
        {
          whitening: store.lower(request.whitening),
          test: request.test === undefined ? undefined : store.tensor(request.test),
          train: { phi, y, n },
          shape: { featureDim, numClasses },
          probs,
          starts: request.starts,
        },
        request.claims,
        request.k,
      );
      return {
        f32: [],
        f64: [self, tracker.topValue, tracker.bottomValue],
        i32: [tracker.topIndex, tracker.bottomIndex, tracker.topCount, tracker.bottomCount, taken],
      };
    }
  }
}

export async function serveMatrices(task: MatricesTask): Promise<void> {
  const { port } = task;
  const reply = replyOn(port, task.flag);
  const store = new MatrixStore();
  const heads: HeadRows = new Map();
  // Requests that arrive while the backend starts wait for it, in order.
  const ready = initBackend(task.backend).then(
    () => undefined,
    (error: unknown) => error,
  );
  let chain: Promise<unknown> = ready;
  port.on('message', (raw: unknown) => {
    chain = chain.then(async () => {
      let id = -1;
      try {
        const startError = await ready;
        if (startError !== undefined) throw startError;
        const request = checkMatrixRequest(raw, 'matrix request');
        id = request.id;
        const values = answer(store, heads, request);
        reply(
          { type: 'values', id, ...values },
          [...values.f32, ...values.f64, ...(values.i32 ?? [])].map((v) => v.buffer as ArrayBuffer),
        );
      } catch (error) {
        reply(failure(id, error));
      }
    });
  });
}
