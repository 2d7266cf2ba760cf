/**
 * The CLI's Ctrl-C policy (issue 12, item 7): the first Ctrl-C cancels the
 * analysis and, should anything fail to stop, exits 130 after a deadline; a
 * second exits 130 at once. Timers are mocked: nothing here waits.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { CANCEL_DEADLINE_MS, ctrlCHandler, EXIT } from '../../../src/cli';

function setup() {
  const exits: number[] = [];
  const controller = new AbortController();
  const ctrlC = ctrlCHandler(controller, (code) => exits.push(code));
  return { exits, controller, ctrlC };
}

test('the first Ctrl-C cancels the analysis and leaves it the deadline to stop on its own', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { exits, controller, ctrlC } = setup();
    ctrlC.handler();
    assert.equal(controller.signal.aborted, true);
    assert.deepEqual(exits, []);
    mock.timers.tick(CANCEL_DEADLINE_MS - 1);
    assert.deepEqual(exits, [], 'not before the deadline');
    mock.timers.tick(1);
    assert.deepEqual(exits, [EXIT.cancelled], 'whatever the engine is doing, 130 at the deadline');
  } finally {
    mock.timers.reset();
  }
});

test('a second Ctrl-C exits 130 at once', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { exits, ctrlC } = setup();
    ctrlC.handler();
    ctrlC.handler();
    assert.deepEqual(exits, [EXIT.cancelled]);
  } finally {
    mock.timers.reset();
  }
});

test('once the run has ended (cancelled cleanly), the deadline no longer fires', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { exits, ctrlC } = setup();
    ctrlC.handler();
    ctrlC.dispose();
    mock.timers.tick(CANCEL_DEADLINE_MS * 2);
    assert.deepEqual(exits, []);
  } finally {
    mock.timers.reset();
  }
});
