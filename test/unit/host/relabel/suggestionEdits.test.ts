/**
 * A bulk "accept suggestions" edits only the selected rows it can change:
 * not those whose suggestion is their own label, nor those relabeled already
 * (both are named in the confirmation), and each record where it is now.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainRecord } from '../../../../src/compute/results/schema';
import type { ReviewDecision } from '../../../../src/host/reviews/reviews';
import { suggestionEdits } from '../../../../src/host/relabel/suggestionEdits';

function record(id: number, label: string, suggestedLabel: string): TrainRecord {
  return {
    id,
    source: { path: `${label}/${id}.png` },
    label,
    predicted: label,
    suggestedLabel,
    suggestedProbability: 0.9,
    givenLabelProbability: 0.1,
    outOfSampleMargin: -0.8,
    loss: 1,
    selfInfluence: 0.1,
    suspicion: 0.9,
    likelyLabelIssue: true,
  };
}

const train = new Map([
  [0, record(0, 'cat', 'dog')],
  [1, record(1, 'dog', 'dog')],
  [2, record(2, 'cat', 'fox')],
  [3, record(3, 'fox', 'cat')],
]);
const relabeled: ReviewDecision = {
  source: { path: 'fox/3.png' },
  state: 'relabeled',
  label: 'fox',
  newLabel: 'cat',
  decidedAt: '2026-12-03T00:00:00Z',
};

test('rows whose suggestion is their label, and rows relabeled already, are left out and counted', () => {
  const { records, left } = suggestionEdits(train, new Map(), [0, 1, 2, 3, 99], new Map([[3, relabeled]]));
  assert.deepEqual(
    records.map((r) => r.id),
    [0, 2],
  );
  assert.equal(left, '1 whose suggestion is their own label and 1 relabeled already');
});

test('a record whose image moved is edited where it is now, not where it was analysed', () => {
  const moves = new Map([['cat/2.png', 'dog/2.png']]);
  const { records, left } = suggestionEdits(train, moves, [2], new Map());
  assert.deepEqual(records[0].source, { path: 'dog/2.png' });
  assert.equal(left, '');
  assert.equal(train.get(2)!.source.path, 'cat/2.png', 'the results themselves are not changed');
});
