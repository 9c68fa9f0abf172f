import fc from 'fast-check';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DockerDemux } from './demux.js';

/** One frame as the engine writes it. */
const frame = (type: number, payload: Buffer): Buffer => {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

/** Cuts a buffer at the given points (any order, duplicates fine). */
const cut = (buf: Buffer, points: number[]): Buffer[] => {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...at, buf.length]) {
    pieces.push(buf.subarray(from, p));
    from = p;
  }
  return pieces;
};

/** Pushes the pieces through a demux; its stdout and stderr tail. */
async function demux(pieces: Buffer[], tailBytes?: number): Promise<{ stdout: Buffer; stderr: string; d: DockerDemux }> {
  const d = new DockerDemux(tailBytes);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    d,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return { stdout: Buffer.concat(out), stderr: d.stderrTail(), d };
}

const frames = fc.array(fc.record({ type: fc.constantFrom(1, 2), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 });

describe('DockerDemux', () => {
  it('gives back the exact stdout bytes and stderr however the frames are split', async () => {
    await fc.assert(
      fc.asyncProperty(frames, fc.array(fc.nat(), { maxLength: 30 }), async (fs, points) => {
        const wire = Buffer.concat(fs.map((f) => frame(f.type, Buffer.from(f.payload))));
        const { stdout, stderr } = await demux(cut(wire, points));
        const want = (t: number) => Buffer.concat(fs.filter((f) => f.type === t).map((f) => Buffer.from(f.payload)));
        expect(stdout.equals(want(1))).toBe(true);
        expect(stderr).toBe(want(2).toString('utf8'));
      }),
    );
  });

  it('keeps only the last bytes of a long stderr', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 200 }), { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), async (lines, tail) => {
        const ascii = lines.map((l) => l.replace(/[^\x20-\x7e]/g, '.'));
        const { stderr } = await demux(ascii.map((l) => frame(2, Buffer.from(l))), tail);
        const all = ascii.join('');
        expect(stderr.length).toBeLessThanOrEqual(tail);
        expect(stderr).toBe(all.slice(Math.max(0, all.length - tail)));
      }),
    );
  });

  it('does not start the tail with half of a multi-byte character', async () => {
    const { stderr } = await demux([frame(2, Buffer.from('é'.repeat(10)))], 5);
    expect(stderr).toBe('éé');
  });

  it('holds its input while nobody reads its stdout', async () => {
    const d = new DockerDemux();
    const big = frame(1, Buffer.alloc(1024 * 1024));
    let accepted = 0;
    for (let i = 0; i < 64 && d.write(big); i++) accepted++;
    // The writable side says stop after a bounded amount, not after 64 MiB.
    expect(accepted).toBeLessThan(4);
    d.destroy();
  });

  it('refuses a stream cut in the middle of a frame', async () => {
    const wire = frame(1, Buffer.from('hello'));
    await expect(demux([wire.subarray(0, 10)])).rejects.toThrow(/middle of a frame/);
    await expect(demux([wire.subarray(0, 5)])).rejects.toThrow(/middle of a frame/);
  });

  it('fails on the engine error frame and on something that is not an attach stream', async () => {
    await expect(demux([frame(3, Buffer.from('container gone'))])).rejects.toThrow(/container gone/);
    await expect(demux([Buffer.from('HTTP/1.1 500 oops\r\n')])).rejects.toThrow(/not a Docker attach stream/);
  });
});
