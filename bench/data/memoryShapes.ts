/**
 * The input shapes that once blew the memory bound (issue 12 item 8), written
 * as a user would hand them over: one huge text cell in a CSV and in a JSONL
 * file, a long JSONL of short texts, a CSV with 20,000 numeric columns. Each
 * writer streams, so the harness itself never holds the file. Sizes scale
 * with `scale` (1 = the sizes of the report that found the defect).
 */
import fs from 'node:fs';
import { createRng } from '../../src/compute/random';

export interface ShapeFile {
  bytes: number;
}

/** Writes `text` pieces through one descriptor, counting bytes. */
function writer(file: string): { write: (text: string) => void; close: () => number } {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let pending = '';
  const flush = () => {
    bytes += fs.writeSync(fd, pending);
    pending = '';
  };
  return {
    write: (text) => {
      pending += text;
      if (pending.length > 1 << 20) flush();
    },
    close: () => {
      flush();
      fs.closeSync(fd);
      return bytes;
    },
  };
}

/** Random base-36 words: a vocabulary that keeps growing, the costly case for a text featurizer. */
function words(rng: () => number, count: number, emit: (w: string) => void): void {
  for (let i = 0; i < count; i++) emit(Math.floor(rng() * 2 ** 32).toString(36) + ' ');
}

/** 300 short labelled texts, then one text cell of ~`megabytes` MB (CSV, or JSONL with `jsonl`). */
export function writeHugeTextCell(file: string, megabytes: number, jsonl: boolean): ShapeFile {
  const rng = createRng(1);
  const w = writer(file);
  if (!jsonl) w.write('text,label\n');
  for (let i = 0; i < 300; i++) {
    const text = `short text number ${i} about ${i % 2 ? 'apples' : 'pears'}`;
    const label = i % 2 ? 'a' : 'b';
    w.write(jsonl ? `${JSON.stringify({ text, label })}\n` : `${text},${label}\n`);
  }
  // ~7.5 bytes per word on average.
  const count = Math.round((megabytes * 2 ** 20) / 7.5);
  w.write(jsonl ? '{"text":"' : '');
  words(rng, count, w.write);
  w.write(jsonl ? '","label":"a"}\n' : ',a\n');
  return { bytes: w.close() };
}

/** A JSONL file of ~`megabytes` MB of short texts (about 290 bytes each), 4 labels. */
export function writeLongJsonl(file: string, megabytes: number): ShapeFile {
  const rng = createRng(2);
  const w = writer(file);
  const rows = Math.round((megabytes * 2 ** 20) / 290);
  for (let i = 0; i < rows; i++) {
    let text = '';
    words(rng, 36, (x) => (text += x));
    w.write(`${JSON.stringify({ id: i, text: text.trim(), label: `topic${i % 4}` })}\n`);
  }
  return { bytes: w.close() };
}

/** A CSV of `columns` small integers per row, ~`megabytes` MB, 3 labels in the last column. */
export function writeWideCsv(file: string, megabytes: number, columns: number): ShapeFile {
  const rng = createRng(3);
  const w = writer(file);
  w.write([...Array.from({ length: columns }, (_, j) => `f${j}`), 'label'].join(',') + '\n');
  const rows = Math.max(10, Math.round((megabytes * 2 ** 20) / (columns * 6)));
  for (let i = 0; i < rows; i++) {
    let line = '';
    for (let j = 0; j < columns; j++) line += `${Math.floor(rng() * 99999)},`;
    w.write(`${line}c${i % 3}\n`);
  }
  return { bytes: w.close() };
}
