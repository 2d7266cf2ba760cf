/**
 * The detail pane's content for one sample of the shown results: the record as its file holds it now (the open
 * document's text when there is one), or the image, handed to buildDetail (sampleDetail.ts).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { readText } from '../../compute/data/files';
import type { SourceRef } from '../../compute/types';
import type { DetailView } from '../../protocol/webview';
import { sampleLocation, type Shown } from './panelShown';
import type { RowDecor } from './resultsView';
import type { ReviewDecision } from '../reviews/reviews';
import { buildDetail, readRecord, type RecordContent } from './sampleDetail';
import { currentSource } from '../relabel/sampleMoves';

type Split = 'train' | 'test';

export async function detailOf(
  shown: Shown,
  split: Split,
  id: number,
  reviews: Map<number, ReviewDecision>,
  decor: RowDecor,
): Promise<DetailView | undefined> {
  const record = shown.index.record(split, id);
  if (!record) return undefined;
  const format = shown.results.dataset.format;
  const now = currentSource(shown.moves, record.source);
  let content: RecordContent | undefined;
  let image: string | undefined;
  if (format === 'imagefolder') {
    image = decor.thumbnail?.(now);
  } else {
    content = await recordContent(shown, record.source, format);
  }
  return buildDetail(shown.index, split, id, reviews, decor, content, image);
}

/** A text record as its file holds it now (the open document's text when there is one), or a note saying why not. */
async function recordContent(shown: Shown, source: SourceRef, format: 'csv' | 'jsonl'): Promise<RecordContent> {
  const fallback = (why: string): RecordContent => ({
    fields: [],
    note: `${why}; the analysis's preview is shown instead.`,
  });
  let file: string;
  let line: number | undefined;
  try {
    ({ file, line } = sampleLocation(shown, source));
  } catch (error) {
    return fallback((error as Error).message.replace(/; re-run the analysis$/, ''));
  }
  if (line === undefined) return fallback('the results have no line for this record');
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  const text = open ? open.getText() : await readText(file, path.basename(file)).catch(() => undefined);
  if (text === undefined) return fallback(`${source.path} cannot be read`);
  const content = readRecord(text, format, file, line);
  if (!content) return fallback(`no record starts on line ${line} of ${source.path} any more`);
  const moved = line !== source.line ? ` (the analysis saw it at line ${source.line})` : '';
  return {
    ...content,
    note: [`Read from ${source.path}:${line} as the file is now${moved}.`, content.note].filter(Boolean).join(' '),
  };
}
