/**
 * ONNX Runtime, behind one small interface: a session that maps an input
 * batch to the embedding tensor. onnxruntime-node (native CPU build, every
 * core): on a ResNet-18-sized graph it embedded 19 images/s here against 2.5
 * for onnxruntime-web's wasm build in Node (README, "Your own model"). A
 * model ONNX Runtime refuses (an operator it
 * does not know, a malformed graph) is the user's input: an InputError
 * quoting the runtime's reason.
 */
import { optionRef } from '../options/derive';
import type * as OrtNode from 'onnxruntime-node';
import { InputError } from '../errors';
import { clip } from '../data/quote';
import { quietOnnxRuntime } from './quietRuntime';

export interface EmbeddingRunner {
  /** "onnxruntime-node 1.30.0 (cpu)". */
  description: string;
  run(input: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}

export async function openRunner(
  bytes: Uint8Array,
  input: string,
  output: string,
  file: string,
): Promise<EmbeddingRunner> {
  // Loaded on first use only: an analysis without a model file never loads the native library.
  let ort: typeof OrtNode;
  try {
    // On a main thread (tests, benchmarks); a worker thread's caller has done it (quietRuntime.ts).
    quietOnnxRuntime();
    ort = await import('onnxruntime-node');
  } catch (err) {
    throw new InputError(
      file,
      `cannot be run: ONNX Runtime is not available on ` +
        `${process.platform}-${process.arch} ` +
        `(${clip(String((err as Error).message ?? err), 200)}); expected ` +
        `linux-x64, the platform this build ships ONNX Runtime for — or give ` +
        `your embeddings instead (${optionRef('embeddingsFile')})`,
    );
  }
  let session: OrtNode.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new InputError(
      file,
      `ONNX Runtime cannot load the model ` +
        `(${clip(String((err as Error).message ?? err), 300)}); expected a ` +
        `model of standard ONNX operators that ONNX Runtime ` +
        `${ort.env.versions?.common ?? ''} runs`,
    );
  }
  return {
    description: `onnxruntime-node ${ort.env.versions?.common ?? ''} (cpu)`.trim(),
    async run(data: Float32Array, shape: number[]) {
      let result: OrtNode.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run({ [input]: new ort.Tensor('float32', data, shape) }, [output]);
      } catch (err) {
        throw new InputError(
          file,
          `ONNX Runtime failed on an input of shape [${shape.join(', ')}] ` +
            `(${clip(String((err as Error).message ?? err), 300)}); expected the ` +
            `model to accept this input`,
        );
      }
      const t = result[output] as OrtNode.Tensor;
      if (t.type !== 'float32' && t.type !== 'float64')
        throw new InputError(file, `the embedding ${output} is ${t.type}; expected float32 values`);
      return {
        data: t.type === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as Float64Array),
        dims: [...t.dims],
      };
    },
    async dispose() {
      await session.release();
    },
  };
}
