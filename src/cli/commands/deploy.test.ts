import { describe, expect, it } from 'vitest';
import { nameFrom, plainTopLevel } from './deploy.js';

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
