/**
 * A products worker's side of parallel/productHelper.ts: builds the row-range
 * products (influence/rowProducts.ts) of its task and answers each request on
 * the task's port, then raises the shared counter the engine waits on.
 */
import { createRowProducts, type RowProducts } from '../influence/rowProducts';
import { initBackend } from '../tf/backend';
import { checkProductRequest, type ProductReply, type ProductsTask } from './messages';
import { failure, replyOn } from './replyPort';

export async function serveProducts(task: ProductsTask): Promise<void> {
  const { port } = task;
  const reply: (message: ProductReply, transfer?: ArrayBuffer[]) => void = replyOn(port, task.flag);
  let products: RowProducts;
  try {
    await initBackend(task.backend);
    products = createRowProducts(task.net, task.data, task.start, task.end);
  } catch (error) {
    // Whatever the engine asks (or has asked) fails with this.
    reply(failure(-1, error));
    return;
  }
  port.on('message', (raw: unknown) => {
    let id = -1;
    try {
      const request = checkProductRequest(raw, 'product request');
      id = request.id;
      const values = request.kind === 'hvp' ? products.hvpSum(request.vs) : products.dots(request.vs);
      reply(
        { type: 'values', id, values },
        values.map((v) => v.buffer as ArrayBuffer),
      );
    } catch (error) {
      reply(failure(id, error));
    }
  });
}
