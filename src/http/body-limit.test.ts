import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { announcedOver, byteLimit } from './body-limit.js';

describe('request bodies counted as they stream', () => {
  it.each([
    [{ 'content-length': '1025' }, true],
    [{ 'content-length': '1024' }, false],
    [{}, false],
    [{ 'content-length': 'lots' }, false],
  ])('tells whether %j announces more than 1024 bytes (%s)', (headers, over) => {
    expect(announcedOver(headers, 1024)).toBe(over);
  });

  it('passes a body up to the limit and fails at the chunk that crosses it', async () => {
    const sink = (got: Buffer[]) =>
      new Writable({
        write(c: Buffer, _e, done) {
          got.push(c);
          done();
        },
      });
    const ok: Buffer[] = [];
    await pipeline(Readable.from([Buffer.alloc(512), Buffer.alloc(512)]), byteLimit(1024, () => new Error('too big')), sink(ok));
    expect(Buffer.concat(ok).length).toBe(1024);
    const cut: Buffer[] = [];
    await expect(pipeline(Readable.from([Buffer.alloc(512), Buffer.alloc(513)]), byteLimit(1024, () => new Error('too big')), sink(cut))).rejects.toThrow('too big');
    expect(Buffer.concat(cut).length).toBe(512);
  });
});
