// Reads a gzip'd tar archive (a volume backup) to its end and counts what it holds: a cut
// anywhere fails (gzip's end, or tar's strict parser).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser } from 'tar';

export async function countTarEntries(r: Readable): Promise<{ entries: number; bytes: number }> {
  let entries = 0;
  let bytes = 0;
  const parser = new Parser({
    strict: true,
    onReadEntry: (e) => {
      entries++;
      bytes += e.size ?? 0;
      e.resume();
    },
  });
  await pipeline(r, createGunzip(), parser);
  return { entries, bytes };
}
