/**
 * A float32 tensor written where it lives. tf.tensor2d(values) takes a JS array and, on wasm, copies it into the
 * backend's heap: for one moment two copies exist, and the JS one lingers until the garbage collector frees it. For
 * the head's features of a wide logistic regression that copy is the whole training set's inputs (a 240 MB CSV of
 * 20,000 columns: ~110 MB per training thread), so on wasm the tensor is allocated on the heap and `fill` writes it
 * there; other backends get the JS array.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lendFloats } from './readFloats';

/** The parts of tfjs-backend-wasm's BackendWasm that allocate a tensor without writing it. */
interface AllocatingBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * A float32 tensor of `shape` whose values `fill` writes, every one of them (on wasm the memory is not cleared). The
 * array `fill` gets is valid during the call only, which must not run tfjs operations (a growing heap detaches it).
 */
export function filledTensor<R extends tf.Rank>(
  shape: tf.ShapeMap[R],
  fill: (values: Float32Array) => void,
): tf.Tensor<R> {
  const size = shape.reduce((a, b) => a * b, 1);
  const backend = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as Partial<AllocatingBackend>) : undefined;
  if (size > 0 && typeof backend?.makeOutput === 'function') {
    const tensor = tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32')) as tf.Tensor<R>;
    try {
      fill(lendFloats(tensor));
    } catch (error) {
      tensor.dispose();
      throw error;
    }
    return tensor;
  }
  const values = new Float32Array(size);
  fill(values);
  return tf.tensor(values, shape, 'float32') as tf.Tensor<R>;
}
