/**
 * How busy the whole machine is, from /proc/stat: busy CPU-seconds summed over
 * all cores. Subtracting what our own benchmark process used gives the load
 * that other jobs put on the machine during a measurement.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Busy CPU-seconds of the whole machine since boot (all cores), or null off Linux. */
export function machineBusySeconds(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, ...fields] = line.trim().split(/\s+/);
    const v = fields.map(Number);
    // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait (guest is inside user).
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - v[3] - v[4]) / ticksPerSecond();
  } catch {
    return null;
  }
}

/**
 * Average number of cores kept busy by everything except `ownCpuSeconds`
 * over `wallSeconds`; null when /proc/stat is unreadable.
 */
export function otherLoadCores(
  busyBefore: number | null,
  busyAfter: number | null,
  ownCpuSeconds: number,
  wallSeconds: number,
): number | null {
  if (busyBefore === null || busyAfter === null || !(wallSeconds > 0)) return null;
  return Math.max(0, (busyAfter - busyBefore - ownCpuSeconds) / wallSeconds);
}
