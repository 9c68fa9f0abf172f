import { describe, expect, it } from 'vitest';
import { ago, sanitizeTerminal, table } from './output.js';

describe('table', () => {
  it('aligns columns and shows missing values as -', () => {
    expect(table(['NAME', 'STATUS'], [['web', 'running'], ['api-long', null]])).toBe('NAME      STATUS\nweb       running\napi-long  -');
  });
});

describe('ago', () => {
  it('speaks in the largest whole unit', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ago('2026-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(ago('2026-01-01T10:00:00Z', now)).toBe('2h ago');
    expect(ago(null, now)).toBe('-');
  });
});

describe('sanitizeTerminal', () => {
  it.each([
    ['plain text', 'hello world', 'hello world'],
    ['newlines and tabs', 'a\tb\nc', 'a\tb\nc'],
    ['ordinary Unicode', 'café ✓ 日本 🚢', 'café ✓ 日本 🚢'],
    ['colours (CSI SGR)', '\x1b[31mred\x1b[0m text', 'red text'],
    ['clearing the screen and moving the cursor', '\x1b[2J\x1b[1;1Hfake', 'fake'],
    ['private CSI modes', '\x1b[?25lhidden cursor\x1b[?1049h', 'hidden cursor'],
    ['an OSC 52 clipboard write ended by BEL', 'a\x1b]52;c;ZXZpbA==\x07b', 'ab'],
    ['an OSC title ended by ST', 'a\x1b]0;owned\x1b\\b', 'ab'],
    ['an OSC 8 hyperlink', '\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['an unterminated OSC up to the end of its line', 'a\x1b]52;c;ZXZpbA==\nnext', 'a\nnext'],
    ['a DCS string', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['two-character escapes (reset, save cursor, charset)', '\x1bc\x1b7x\x1b(0y', 'xy'],
    ['a lone ESC at the end', 'text\x1b', 'text'],
    ['carriage returns that would overwrite a line', 'real\rfake', 'realfake'],
    ['backspaces, BEL, NUL, vertical tab, form feed', 'a\bb\x07c\x00d\x0be\x0cf', 'abcdef'],
    ['DEL', 'a\x7fb', 'ab'],
    ['8-bit CSI', 'a\u009b2Jb', 'ab'],
    ['8-bit OSC ended by 8-bit ST', 'a\u009d52;c;ZXZpbA==\u009cb', 'ab'],
    ['other C1 controls', 'a\u0085b\u008dc', 'abc'],
  ])('removes %s', (_what, input, expected) => {
    expect(sanitizeTerminal(input)).toBe(expected);
  });

  it('leaves JSON text valid and unchanged', () => {
    const json = JSON.stringify({ line: '\x1b]52;c;ZXZpbA==\x07 \x1b[2J ok' }, null, 2);
    expect(sanitizeTerminal(json)).toBe(json);
    expect(JSON.parse(sanitizeTerminal(json))).toEqual({ line: '\x1b]52;c;ZXZpbA==\x07 \x1b[2J ok' });
  });
});
