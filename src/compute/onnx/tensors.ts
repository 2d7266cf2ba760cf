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
