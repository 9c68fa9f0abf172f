import { describe, expect, it } from 'vitest';
import { ago, bytes, filterLines, list, NAME_PATTERN, percent, withoutOwner } from './format.js';

describe('dashboard formatting', () => {
  it('says how long ago in the largest whole unit', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ago('2026-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(ago('2026-01-01T11:00:00Z', now)).toBe('1h ago');
    expect(ago('2025-12-29T12:00:00Z', now)).toBe('3d ago');
    expect(ago(null, now)).toBe('-');
  });

  it('prints sizes and percentages compactly', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(percent(3.14159)).toBe('3.1%');
    expect(percent(null)).toBe('-');
  });

  it('filters log lines case-insensitively', () => {
    expect(filterLines(['GET /a', 'POST /b', 'get /c'], 'get')).toEqual(['GET /a', 'get /c']);
    expect(filterLines(['x'], ' ')).toEqual(['x']);
  });

  it("drops the default owner the user never typed from the server's messages", () => {
    expect(withoutOwner('app default/Shop: names are 2-30 lowercase letters', 'default')).toBe('app Shop: names are 2-30 lowercase letters');
    expect(withoutOwner('"default/shop" already exists', 'default')).toBe('"shop" already exists');
    expect(withoutOwner('owner defaults/x', 'default')).toBe('owner defaults/x');
  });

  it('reads a comma-separated field as a list', () => {
    expect(list(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(list('')).toEqual([]);
  });

  it('gives browsers a name pattern they can compile, matching what the server takes', () => {
    // As a browser compiles a pattern attribute: anchored, with the v flag.
    const re = new RegExp(`^(?:${NAME_PATTERN})$`, 'v');
    for (const ok of ['ab', 'my-app', 'a1', `a${'b'.repeat(29)}`]) expect(re.test(ok)).toBe(true);
    for (const bad of ['a', 'My-app', 'app-', '1app', 'a_b', `a${'b'.repeat(30)}`]) expect(re.test(bad)).toBe(false);
  });
});
