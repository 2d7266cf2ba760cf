/**
 * One analysis through analyze() in this process (under tsx; its training
 * workers load worker.ts through tsx too). A cross-check of the CLI numbers:
 * no process start, warm JIT and tfjs after the first call, no results write.
 */
import { analyze } from '../../src/compute/pipeline/analyze';
import type { AnalyzeOptions } from '../../src/compute/pipeline/options';
import { machineBusySeconds, otherLoadCores } from './cpuLoad';
import type { CliRun } from './runCli';

export async function runInProcessAnalyze(options: AnalyzeOptions, timeoutSeconds: number): Promise<CliRun> {
  const busyBefore = machineBusySeconds();
  const cpuBefore = process.cpuUsage(); // process-wide: includes the worker threads
  const t0 = performance.now();
  const finish = (): Omit<CliRun, 'ok'> => {
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      wallSeconds,
      exitCode: null,
      timedOut: false,
      cpuSeconds,
      maxRssMB: null, // getrusage's peak is per process, and this process lives across runs
      otherLoadCores: otherLoadCores(busyBefore, machineBusySeconds(), cpuSeconds, wallSeconds),
    };
  };
  try {
    const results = await analyze({ ...options, signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    return { ...finish(), ok: true, results };
  } catch (err) {
    return { ...finish(), ok: false, error: (err as Error).message };
  }
}
