/** ONNX TensorProto → numbers: the initializers that hold the model's final layer. */
import { onnx } from 'onnx-proto';

/** protobufjs gives int64 fields as numbers or Long objects (when `long` is installed). */
export function toNumber(v: number | { toString(): string } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v.toString());
}

export function tensorDims(t: onnx.ITensorProto): number[] {
  return (t.dims ?? []).map(toNumber);
}

/**
 * Why a float or double initializer's stored data does not match its dimensions, or undefined: negative or
 * non-integer dimensions, or fewer or more values than they multiply to (a truncated or hand-edited model). Other
 * types pass (tensorValues refuses them).
 */
export function tensorSizeProblem(t: onnx.ITensorProto): string | undefined {
  const dims = tensorDims(t);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    return `has dimensions [${dims.join(', ')}]; expected sizes of 0 or more`;
  const count = dims.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  const bytes = type === onnx.TensorProto.DataType.FLOAT ? 4 : type === onnx.TensorProto.DataType.DOUBLE ? 8 : 0;
  if (bytes === 0 || t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return undefined;
  const stored =
    t.rawData && t.rawData.length > 0
      ? t.rawData.length / bytes
      : ((bytes === 4 ? t.floatData : t.doubleData) ?? []).length;
  return stored === count
    ? undefined
    : `holds ${stored} values; expected ${count} for its dimensions [${dims.join(', ')}]`;
}

/** A float or double initializer's values, row-major; null for other types or external data. */
export function tensorValues(t: onnx.ITensorProto): Float64Array | null {
  const count = tensorDims(t).reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return null;
  if (type === onnx.TensorProto.DataType.FLOAT) {
    if (t.rawData && t.rawData.length > 0) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Float64Array.from({ length: count }, (_, k) => view.getFloat32(k * 4, true));
    }
    return Float64Array.from(t.floatData ?? []);
  }
  if (type === onnx.TensorProto.DataType.DOUBLE) {
    if (t.rawData && t.rawData.length > 0) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Float64Array.from({ length: count }, (_, k) => view.getFloat64(k * 8, true));
    }
    return Float64Array.from(t.doubleData ?? []);
  }
  return null;
}
