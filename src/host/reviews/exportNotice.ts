/**
 * Says where an export of review decisions went. Both ways to export — the
 * command palette and the panel's buttons — go through here, so both confirm
 * (the panel's buttons used to write the file without a word). A cancelled
 * save dialog writes nothing and says nothing. Pure: no 'vscode'.
 */

/** The part of Notifier this needs. */
export interface Announcer {
  info(text: string, ...actions: string[]): PromiseLike<string | undefined>;
}

export function exportedMessage(count: number, fsPath: string): string {
  return `Influence Lens: ${count} review decision${count === 1 ? '' : 's'} exported to ${fsPath}`;
}

/** Runs `run` (which asks where and writes), then confirms with the file's path. */
export async function exportAndAnnounce<U extends { fsPath: string }>(
  run: () => PromiseLike<U | undefined>,
  count: number,
  notifier: Announcer,
): Promise<U | undefined> {
  const uri = await run();
  if (uri) void notifier.info(exportedMessage(count, uri.fsPath));
  return uri;
}
