/**
 * Worker thread entry: decodes and normalises batches of images for the
 * embedding pass (decodeClient.ts). onnxruntime-node runs a session on the
 * calling thread, so decoding on that same thread would wait for it; here
 * batch k + 1 is decoded while batch k is in ONNX Runtime. It also takes part of a large image set's decode pass
 * when no model embeds it (data/parallelDecode.ts).
 */
import { parentPort } from 'node:worker_threads';
import { loadImages } from '../data/imageSet';
import { type PixelDecodeRequest, servePixelDecode } from '../data/parallelDecode';
import { InputError } from '../errors';
import type { DecodeRequest, DecodeResponse } from './decodeClient';
import { toModelInput } from './preprocess';

if (!parentPort) throw new Error('decodeWorker.ts must run inside a worker thread');
const port = parentPort;

function isPixelRequest(request: DecodeRequest | PixelDecodeRequest): request is PixelDecodeRequest {
  return 'type' in request && request.type === 'pixels';
}

port.on('message', (request: DecodeRequest | PixelDecodeRequest) => {
  if (isPixelRequest(request)) servePixelDecode(request, (reply, transfer) => port.postMessage(reply, transfer));
  else void decodeForModel(request);
});

async function decodeForModel(request: DecodeRequest): Promise<void> {
  try {
    const { img, spec, files } = request;
    const { x } = await loadImages(files, { imageSize: [img.height, img.width], grayscale: img.channels === 1 });
    const input = toModelInput(x, files.length, img, spec);
    const response: DecodeResponse = { id: request.id, x: input };
    port.postMessage(response, [input.buffer as ArrayBuffer]);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const response: DecodeResponse = {
      id: request.id,
      error:
        e instanceof InputError
          ? { input: true, file: e.file, detail: e.detail, line: e.line, message: e.message }
          : { input: false, message: e.stack ?? e.message },
    };
    port.postMessage(response);
  }
}
