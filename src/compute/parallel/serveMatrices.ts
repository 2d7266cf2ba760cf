/**
 * A matrices worker's side of parallel/matrixHelper.ts: keeps named matrices on its own tfjs instance and answers
 * each request on the task's port (replyPort.ts), computing with the same code the engine's thread uses.
 */
import { computeInfluenceOfBlock } from '../influence/exactHeadInfluence';
import { factorDeviation } from '../linalg/factorChecks';
import { MatrixStore } from '../linalg/productJobs';
import { initBackend } from '../tf/backend';
import { checkMatrixRequest, type MatricesTask, type MatrixRequest } from './messages';
import { failure, replyOn } from './replyPort';

function answer(store: MatrixStore, request: MatrixRequest): { f32: Float32Array[]; f64: Float64Array[] } {
  switch (request.type) {
    case 'put':
      store.put(request.name, request.data, request.rows, request.cols);
      return { f32: [], f64: [] };
    case 'putLower':
      store.putLower(request.name, request.data, request.p);
      return { f32: [], f64: [] };
    case 'drop':
      store.drop(request.names);
      return { f32: [], f64: [] };
    case 'products':
      return { f32: request.jobs.map((job) => store.product(job)), f64: [] };
    case 'deviation':
      return { f32: [], f64: [Float64Array.of(factorDeviation(request.a, request.l, request.n, request.steps))] };
    case 'influence': {
      const { self, scores } = computeInfluenceOfBlock(
        store.lower(request.whitening),
        request.test === undefined ? undefined : store.tensor(request.test),
        request.gradientsT,
        request.rows,
      );
      return { f32: scores ? [scores] : [], f64: [self] };
    }
  }
}

export async function serveMatrices(task: MatricesTask): Promise<void> {
  const { port } = task;
  const reply = replyOn(port, task.flag);
  const store = new MatrixStore();
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
        const values = answer(store, request);
        reply(
          { type: 'values', id, ...values },
          [...values.f32, ...values.f64].map((v) => v.buffer as ArrayBuffer),
        );
      } catch (error) {
        reply(failure(id, error));
      }
    });
  });
}
