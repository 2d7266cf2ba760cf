/**
 * The edits of the user's files (relabels and their undo) run one after another, never interleaved: each is planned
 * on the text as it is, waits for its confirmation, then applies, and a second one planned meanwhile on the same text
 * would land at offsets the first has moved (a double click, or a page that sends two requests). Queued here, the
 * second is planned only once the first has finished. One queue for the whole extension host: two panels edit the
 * same files too.
 */
let last: Promise<unknown> = Promise.resolve();

/** Runs `edit` after every edit queued before it has finished (whether it succeeded or failed). */
export function oneAtATime<T>(edit: () => Promise<T>): Promise<T> {
  const result = last.then(edit, edit);
  last = result.catch(() => undefined);
  return result;
}
