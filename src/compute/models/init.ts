/**
 * Seeded weight initialisation. Draws come from the engine's RNG in a fixed
 * order (parameter by parameter, row-major), so one seed always gives the
 * same network — the reliability check retrains and must compare like with like.
 */
import type { Rng } from '../random';
import { normal } from '../random';
import type { NamedArray } from './types';

function normalArray(rng: Rng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * normal(rng);
  return out;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** He normal (std √(2/fanIn)): keeps activation variance constant through ReLU layers. */
export function heNormal(rng: Rng, name: string, shape: number[], fanIn: number): NamedArray {
  return { name, shape, data: normalArray(rng, sizeOf(shape), Math.sqrt(2 / fanIn)) };
}

/** Glorot normal (std √(2/(fanIn+fanOut))): for the linear softmax head. */
export function glorotNormal(rng: Rng, name: string, shape: number[], fanIn: number, fanOut: number): NamedArray {
  return { name, shape, data: normalArray(rng, sizeOf(shape), Math.sqrt(2 / (fanIn + fanOut))) };
}

export function zeros(name: string, shape: number[]): NamedArray {
  return { name, shape, data: new Float32Array(sizeOf(shape)) };
}
