/**
 * ONNX Runtime, behind one small interface: a session that maps an input
 * batch to the embedding tensor. onnxruntime-node (native CPU build, every
 * core) is the engine's runtime; onnxruntime-web (wasm) runs the same graph
 * and is kept selectable for the benchmark that chose between them (see the
 * README, "Your own model"). A model ONNX Runtime refuses (an operator it
 * does not know, a malformed graph) is the user's input: an InputError
 * quoting the runtime's reason.
 */
import type * as OrtNode from 'onnxruntime-node';
import { InputError } from '../errors';
import { clip } from '../data/quote';

export type RuntimeName = 'node' | 'web';

export interface EmbeddingRunner {
  /** "onnxruntime-node 1.30.0 (cpu)". */
  description: string;
  run(input: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}

type Ort = typeof OrtNode;

async function loadOrt(name: RuntimeName): Promise<Ort> {
  // Loaded on first use only: an analysis without a model file never pays for the native library.
  if (name === 'node') return (await import('onnxruntime-node')) as Ort;
  return (await import('onnxruntime-web')) as unknown as Ort;
}

export async function openRunner(bytes: Uint8Array, input: string, output: string, file: string, runtime: RuntimeName = 'node'): Promise<EmbeddingRunner> {
  const ort = await loadOrt(runtime);
  let session: OrtNode.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new InputError(file, `ONNX Runtime cannot load the model (${clip(String((err as Error).message ?? err), 300)}); expected a model of standard ONNX operators that ONNX Runtime ${ort.env.versions?.common ?? ''} runs`);
  }
  return {
    description: `onnxruntime-${runtime} ${ort.env.versions?.common ?? ''} (cpu)`.replace('  ', ' '),
    async run(data: Float32Array, shape: number[]) {
      let result: OrtNode.InferenceSession.OnnxValueMapType;
      try {
        result = await session.run({ [input]: new ort.Tensor('float32', data, shape) }, [output]);
      } catch (err) {
        throw new InputError(file, `ONNX Runtime failed on an input of shape [${shape.join(', ')}] (${clip(String((err as Error).message ?? err), 300)}); expected the model to accept this input`);
      }
      const t = result[output] as OrtNode.Tensor;
      if (t.type !== 'float32' && t.type !== 'float64') throw new InputError(file, `the embedding ${output} is ${t.type}; expected float32 values`);
      return { data: t.type === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as Float64Array), dims: [...t.dims] };
    },
    async dispose() {
      await session.release();
    },
  };
}
