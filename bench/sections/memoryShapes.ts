/**
 * Peak memory on the input shapes that once broke the 2 GB bound (issue 12
 * item 8): each is analyzed by the CLI at default options in a fresh process
 * and must end in exit 0 (analyzed) or exit 2 (refused with a reason) with
 * its peak RSS under the bound. Quick mode writes them small (the bound is
 * then a weak check; the full run is the measurement).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeHugeTextCell, writeLongJsonl, writeWideCsv } from '../data/memoryShapes';
import { writeSyntheticCsv } from '../data/syntheticCsv';
import { log } from '../lib/log';
import { runCliAnalyze } from '../lib/runCli';
import { MEMORY_LIMIT_MB } from './scaling';

export interface MemoryShapeRow {
  /** Absent in rows saved before shapes had ids. */
  id?: string;
  shape: string;
  fileMB: number;
  args: string[];
  exitCode: number | null;
  /** Exit 0 or 2, under the bound, not killed. */
  pass: boolean;
  wallSeconds: number;
  maxRssMB: number | null;
  /** The refusal or failure, first line. */
  message?: string;
  /** Samples analyzed (train + test) when the run ended with results. */
  samples?: number;
  /** The note of a run on a sample of the data, kept to stay within the working budget. */
  sampleNote?: string;
  /** When this row's run started, and the machine's 1-minute load average then (rows can come from different runs). */
  measuredAt?: string;
  loadAtStart?: number;
}

export const MEMORY_SHAPE_IDS = ['huge-cell-csv', 'huge-cell-jsonl', 'long-jsonl', 'wide-csv', 'huge-mlp'] as const;

interface Shape {
  /** The short name `--memory-shapes --sets` picks it by. */
  id: (typeof MEMORY_SHAPE_IDS)[number];
  shape: string;
  file: string;
  write: (file: string) => { bytes: number };
  args: string[];
}

/**
 * Quick mode (CI) keeps each shape but small: the long JSONL trains six MLPs on every row, so even a tenth of it
 * (110,000 rows) takes 20 minutes on two busy cores.
 */
function shapes(quick: boolean, dir: string): Shape[] {
  const mb = (x: number, quickMB = x / 10) => Math.max(1, Math.round(quick ? quickMB : x));
  return (
    [
      {
        id: 'huge-cell-csv',
        shape: `CSV, one text cell of ${mb(109)} MB`,
        file: 'huge-cell.csv',
        write: (f: string) => writeHugeTextCell(f, mb(109), false),
        args: [],
      },
      {
        id: 'huge-cell-jsonl',
        shape: `JSONL, one text cell of ${mb(109)} MB`,
        file: 'huge-cell.jsonl',
        write: (f: string) => writeHugeTextCell(f, mb(109), true),
        args: [],
      },
      {
        id: 'long-jsonl',
        shape: `JSONL, ${mb(289, 1)} MB of short texts`,
        file: 'long.jsonl',
        write: (f: string) => writeLongJsonl(f, mb(289, 1)),
        args: [],
      },
      {
        id: 'wide-csv',
        shape: `CSV, ${mb(240, 5)} MB with 20,000 columns`,
        file: 'wide.csv',
        write: (f: string) => writeWideCsv(f, mb(240, 5), 20000),
        args: [],
      },
      {
        id: 'huge-mlp',
        shape: 'MLP with two hidden layers of 30,000 on 2,000 × 64',
        file: 'small.csv',
        write: (f: string) => writeSyntheticCsv(f, { nTrain: 2000, nTest: 500, features: 64, classes: 10, seed: 0 }),
        args: ['--hidden', '30000,30000'],
      },
    ] satisfies Shape[]
  ).map((s) => ({ ...s, file: path.join(dir, s.file) }));
}

/** `only`: the ids of the shapes to measure (null = all). */
export async function runMemoryShapes(options: {
  quick: boolean;
  tempDir: string;
  only?: readonly string[] | null;
}): Promise<MemoryShapeRow[]> {
  const rows: MemoryShapeRow[] = [];
  for (const s of shapes(options.quick, options.tempDir)) {
    if (options.only && !options.only.includes(s.id)) continue;
    const { bytes } = s.write(s.file);
    log(`memory: ${s.shape} (${(bytes / 2 ** 20).toFixed(0)} MB) …`);
    const measuredAt = new Date().toISOString();
    const loadAtStart = os.loadavg()[0];
    const run = await runCliAnalyze({
      dataset: s.file,
      args: s.args,
      outFile: `${s.file}.results.json`,
      // The long JSONL analyzes its largest sample that fits (~170,000 texts): ~30 min on two idle cores, over an
      // hour on busy ones; what this row measures is memory, so it gets two hours before it counts as killed.
      timeoutSeconds: s.id === 'long-jsonl' ? 7200 : 3600,
    });
    fs.rmSync(s.file, { force: true });
    const under = run.maxRssMB !== null && run.maxRssMB < MEMORY_LIMIT_MB;
    const row: MemoryShapeRow = {
      id: s.id,
      shape: s.shape,
      fileMB: bytes / 2 ** 20,
      args: s.args,
      exitCode: run.exitCode,
      pass: !run.timedOut && (run.exitCode === 0 || run.exitCode === 2) && under,
      wallSeconds: run.wallSeconds,
      maxRssMB: run.maxRssMB,
      measuredAt,
      loadAtStart,
    };
    if (run.error) row.message = firstMessageLine(run.error);
    if (run.results) {
      row.samples = run.results.dataset.nTrain + run.results.dataset.nTest;
      const note = run.results.dataset.warnings.find((w) => /stratified sample of/.test(w));
      if (note) row.sampleNote = note;
    }
    rows.push(row);
    log(
      `memory: exit ${run.exitCode}, peak RSS ${run.maxRssMB?.toFixed(0)} MB, ` +
        `${run.wallSeconds.toFixed(1)} s${row.message ? `: ${row.message}` : ''}${row.sampleNote ? `; ${row.sampleNote}` : ''}`,
    );
  }
  return rows;
}

/** The engine's own line from the tail of stderr the harness keeps ("influence-lens: …"), else the first line. */
function firstMessageLine(error: string): string {
  const lines = error
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /error|refus|expected|exceed/i.test(l)) ?? lines[0] ?? '').slice(0, 300);
}
