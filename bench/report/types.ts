/** The shape of bench/results/latest.json: everything REPORT.md is rendered from. */
import type { DetectionSection } from '../sections/detection';
import type { E2eSection } from '../sections/endToEnd';
import type { KernelSection } from '../sections/kernels';
import type { OnnxSection } from '../sections/onnx';
import type { SolverSection } from '../sections/solvers';
import type { TargetsSection } from '../sections/targets';
import type { ScalingSection } from '../sections/scaling';
import type { IssuesBench } from '../sections/issues';
import type { InProcessProbe } from '../lib/probeInProcess';
import type { MachineInfo } from '../lib/machine';

/** `startedAt`: when the section started (absent in sections measured before 2026-12-03). */
export type SectionOutcome<T> =
  | { ok: true; seconds: number; loadAverage: { start: number[]; end: number[] }; startedAt?: string; data: T }
  | { ok: false; seconds: number; loadAverage: { start: number[]; end: number[] }; startedAt?: string; error: string };

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  quick: boolean;
  only: string | null;
  runs: number;
  argv: string[];
  machine: MachineInfo;
  loadAverageAtEnd: number[];
  inProcess: InProcessProbe | null;
  sections: {
    e2e?: SectionOutcome<E2eSection>;
    detection?: SectionOutcome<DetectionSection>;
    kernels?: SectionOutcome<KernelSection>;
    scaling?: SectionOutcome<ScalingSection>;
    onnx?: SectionOutcome<OnnxSection>;
    issues?: SectionOutcome<IssuesBench>;
    solvers?: SectionOutcome<SolverSection>;
    targets?: SectionOutcome<TargetsSection>;
  };
  /** With --merge: when the runs whose other sections were kept started. */
  mergedFrom?: string[];
  /** SVG files written beside REPORT.md. */
  plots: string[];
}
