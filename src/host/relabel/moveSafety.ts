/**
 * Keeping a bulk relabel all-or-nothing where the editor's WorkspaceEdit is
 * not: VS Code applies file moves one after another, so a move that fails
 * halfway leaves the earlier ones done. Before applying, every move is
 * checked (its image still there, nothing at its target); after a failed
 * apply, the moves that happened are moved back. Pure over a small file
 * system interface, so it is tested without VS Code.
 */
import path from 'node:path';
import type { PlannedEdit } from './relabelPlan';

export interface MoveFs {
  exists(file: string): Promise<boolean>;
  rename(from: string, to: string): Promise<void>;
}

type Move = Extract<PlannedEdit, { kind: 'move' }>;

const movesOf = (edits: PlannedEdit[]) => edits.filter((e): e is Move => e.kind === 'move');

/** The first reason a move cannot happen, naming the file; undefined when all can. `inside`: the boundary check. */
export async function moveConflict(
  edits: PlannedEdit[],
  fs: MoveFs,
  root: string,
  inside: (abs: string) => boolean = () => true,
): Promise<string | undefined> {
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const targets = new Set<string>();
  for (const m of movesOf(edits)) {
    // Checked when planned, and again now: a link on the way may have been changed meanwhile.
    if (!inside(m.from) || !inside(m.to)) return `${rel(m.to)} no longer lies inside the dataset`;
    if (!(await fs.exists(m.from))) return `${rel(m.from)} no longer exists`;
    if (targets.has(m.to) || (await fs.exists(m.to))) return `${rel(m.to)} already exists`;
    targets.add(m.to);
  }
  return undefined;
}

/**
 * After a failed apply: moves back every move that happened (its target
 * there, its source gone), last first. Returns the moves put back and the
 * first one that never happened (the one that failed, most likely).
 */
export async function rollBackMoves(
  edits: PlannedEdit[],
  fs: MoveFs,
): Promise<{ restored: Move[]; failed: Move | undefined; stuck: Move[] }> {
  const restored: Move[] = [];
  const stuck: Move[] = [];
  let failed: Move | undefined;
  const done: Move[] = [];
  for (const m of movesOf(edits)) {
    if (!(await fs.exists(m.from)) && (await fs.exists(m.to))) done.push(m);
    else failed ??= m;
  }
  for (const m of done.reverse()) {
    try {
      await fs.rename(m.to, m.from);
      restored.push(m);
    } catch {
      stuck.push(m);
    }
  }
  return { restored, failed, stuck };
}
