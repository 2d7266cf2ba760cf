import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValueSpan, jsonlLine, labelJson, labelOf } from '../../../../src/host/relabel/jsonlRecord';

test('lines are counted on LF only, a CR before the LF is not part of the line', () => {
  const text = 'a\r\nbb\n\nccc';
  assert.deepEqual(jsonlLine(text, 1), { start: 0, end: 1 });
  assert.deepEqual(jsonlLine(text, 2), { start: 3, end: 5 });
  assert.deepEqual(jsonlLine(text, 3), { start: 6, end: 6 });
  assert.deepEqual(jsonlLine(text, 4), { start: 7, end: 10 });
  assert.equal(jsonlLine(text, 5), null);
});

test('finds the top-level field, not a nested one or one inside a string; the last duplicate wins', () => {
  const line = '{"text": "\\"label\\": no", "nested": {"label": [1, {"label": 2}]}, "label" : "cat" , "label": "dog"}';
  const span = fieldValueSpan(line, { start: 0, end: line.length }, 'label')!;
  assert.equal(line.slice(span.start, span.end), '"dog"');
  assert.equal(span.value, 'dog');
  assert.equal(fieldValueSpan(line, { start: 0, end: line.length }, 'missing'), null);
});

test('non-objects and broken lines give null', () => {
  for (const line of ['[1,2]', '"label"', '{"label": "cat"', '{"label" "cat"}', '', '{}']) {
    assert.equal(fieldValueSpan(line, { start: 0, end: line.length }, 'label'), null, line);
  }
});

test('new label keeps the value type where it can', () => {
  assert.equal(labelJson('4', 3), '4');
  assert.equal(labelJson('4.5', 3), '4.5');
  assert.equal(labelJson('04', 3), '"04"');
  assert.equal(labelJson('dog', 3), '"dog"');
  assert.equal(labelJson('true', false), 'true');
  assert.equal(labelJson('3', 'cat'), '"3"');
  assert.equal(labelJson('a "q"', 'cat'), '"a \\"q\\""');
  assert.equal(labelOf(' cat '), 'cat');
  assert.equal(labelOf(3), '3');
  assert.equal(labelOf(null), null);
});
