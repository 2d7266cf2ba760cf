/**
 * Installs the Debian packages the benchmark's public datasets (and its
 * scikit-learn comparison) read, in the benchmark only — never a dependency
 * of the engine or the extension. Needs root and apt-get; without them, or
 * when the install fails (no network to Debian's mirror), the caller skips
 * what needs the package and says so in the report.
 */
import { spawnSync } from 'node:child_process';
import { log } from '../lib/log';

export interface InstallOutcome {
  ok: boolean;
  /** Why not, in a sentence for the report. */
  note?: string;
}

const done = new Map<string, InstallOutcome>();
let updated = false;

function aptGet(args: string[]): { ok: boolean; tail: string } {
  const r = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 15 * 60_000,
    maxBuffer: 64 * 2 ** 20,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim().split('\n');
  return { ok: r.status === 0, tail: out.slice(-2).join(' ') };
}

/** Installs `packages` unless `present()` already holds; at most one attempt per package set per run. */
export function ensureDebianPackages(packages: string[], present: () => boolean): InstallOutcome {
  if (present()) return { ok: true };
  const key = packages.join(' ');
  const earlier = done.get(key);
  if (earlier) return earlier;
  let outcome: InstallOutcome;
  if (process.platform !== 'linux' || typeof process.getuid !== 'function' || process.getuid() !== 0) {
    outcome = {
      ok: false,
      note: `needs the Debian package(s) ${key}; the benchmark installs them only as root on Debian (skipped)`,
    };
  } else {
    log(`installing Debian package(s) ${key} for the benchmark …`);
    let r = aptGet(['install', '-y', '-q', '--no-install-recommends', ...packages]);
    if (!r.ok && !updated) {
      updated = true;
      aptGet(['update', '-q']);
      r = aptGet(['install', '-y', '-q', '--no-install-recommends', ...packages]);
    }
    outcome =
      r.ok && present() ? { ok: true } : { ok: false, note: `apt-get install ${key} failed (${r.tail}) (skipped)` };
  }
  done.set(key, outcome);
  if (!outcome.ok) log(outcome.note!);
  return outcome;
}
