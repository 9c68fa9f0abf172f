import { describe, expect, it } from 'vitest';
import { validateAppName, validateOwnerName } from './names.js';

describe('app names', () => {
  it.each(['ab', 'myapp', 'my-app-2', 'a'.repeat(30)])('accepts %s', (name) => {
    expect(validateAppName(name)).toBe(name);
  });

  it.each([
    ['../x', /not allowed/],
    ['A B', /not allowed/],
    ['a'.repeat(64), /64 characters long; the limit is 30/],
    ['', /required/],
    ['-app', /not allowed/],
    ['app-', /not allowed/],
    ['my--app', /not allowed/],
    ['1app', /not allowed/],
    ['app;rm -rf', /not allowed/],
  ])('rejects %j with a reason', (name, reason) => {
    expect(() => validateAppName(name)).toThrow(reason);
  });

  it('applies the same rule to owners', () => {
    expect(() => validateOwnerName('Acme Corp')).toThrow(/owner name/);
    expect(validateOwnerName('acme')).toBe('acme');
  });
});
