import { describe, expect, it } from 'vitest';
import { applyKeys } from './prompt.js';

describe('the hidden prompt reads keys as a terminal line would', () => {
  it.each([
    ['typed text, then Enter', '', 'abc\r', { typed: 'abc', done: 'enter' }],
    ['a pasted token with its newline', '', 'berth_abc123\n', { typed: 'berth_abc123', done: 'enter' }],
    ['Backspace removing the last character', 'abc', '\x7f', { typed: 'ab' }],
    ['Ctrl-U clearing the line', 'abc', '\x15x', { typed: 'x' }],
    ['Ctrl-C cancelling', 'abc', '\x03', { typed: 'abc', done: 'cancel' }],
    ['Ctrl-D on an empty line ending the input', '', '\x04', { typed: '', done: 'eof' }],
    ['Ctrl-D after text being ignored', 'ab', '\x04', { typed: 'ab' }],
    // Regression: the printable tail of an arrow key's escape sequence ("[D") was typed into the secret.
    ['arrow keys being ignored', 'ab', '\x1b[D', { typed: 'ab' }],
    ['Delete, Home and F1 being ignored, text around them kept', 'a', '\x1b[3~b\x1b[1;5Hc\x1bOPd', { typed: 'abcd' }],
    ['Alt+key being ignored', 'a', '\x1bxb', { typed: 'ab' }],
    ['an escape at the end of a chunk being ignored', 'a', 'b\x1b', { typed: 'ab' }],
  ])('%s', (_, before, chunk, after) => {
    expect(applyKeys(before, chunk)).toEqual(after);
  });
});
