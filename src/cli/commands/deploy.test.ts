import { describe, expect, it } from 'vitest';
import { plainIdentity as plainTopLevel } from '../folder-app.js';
import { nameFrom, skippedText } from './deploy.js';

describe('plainTopLevel', () => {
  it('reads plain identity lines and ignores the rest', () => {
    expect(plainTopLevel('name: shop\nowner: "acme"  # team\nport: 3000\nhealthcheck:\n  name: nested\n')).toEqual({ name: 'shop', owner: 'acme' });
  });
  it('leaves anything unusual to the YAML parser', () => {
    expect(plainTopLevel('name: >\n  shop\n')).toBeUndefined();
    expect(plainTopLevel('name: [a]\n')).toBeUndefined();
  });
});

describe('nameFrom', () => {
  it.each([
    ['My App', 'my-app'],
    ['shop.git', 'shop'],
    ['42things', 'things'],
    ['x'.repeat(40), 'x'.repeat(30)],
  ])('turns %j into %j', (text, name) => expect(nameFrom(text)).toBe(name));
});

describe('skippedText', () => {
  it('names a few of the paths left out by default and counts the rest', () => {
    expect(skippedText(['node_modules/'])).toBe('node_modules/');
    expect(skippedText(['a/', 'b/', 'c/', 'd/', 'e/', 'f/'])).toBe('a/, b/, c/, d/ and 2 more');
  });
});
