// Two Berths on one Docker Engine: each prunes and reconciles only its own images, even with the
// same prefix and the same app names. The other Berth is played by image tags made by hand:
// Berth tells its images by name only (<prefix>/<owner>/<app>/<instance>:d<N>).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appImages, bootServer, docker, PROXY, ROOT, run, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';
import { eventually, get } from '../helpers/http.js';

let server: TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'berth-shared-'));
const OTHER = '0a0b0c0d0e0f';
// Another Berth's tags of an app of the same name: as it names them, and as a Berth named them
// before the instance was part of the name.
const foreign = [`${TEST.prefix}/default/twin/${OTHER}:d1`, `${TEST.prefix}/default/twin/${OTHER}:d2`, `${TEST.prefix}/default/twin:d1`, `${TEST.prefix}/default/twin:d2`];
const idOf = async (ref: string) => (await docker('image', 'inspect', '--format', '{{.Id}}', ref)).stdout.trim() || null;

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_KEEP_IMAGES: '1', BERTH_DRAIN_SECONDS: '0' } });
}, 120_000);

afterAll(() => shutdownServer(server, scratch));

describe('two Berths on one Docker Engine', () => {
  it("never removes or re-tags the other Berth's images; prunes and reconciles its own", async () => {
    // The other Berth's image: one of its own (not a base image: a wrong removal would take its tags).
    writeFileSync(join(scratch, 'Dockerfile'), 'FROM berth/base:bookworm\nLABEL berthtest.other=1\n');
    const built = await run('docker', ['build', '-q', '-t', foreign[0]!, scratch]);
    expect(built.code, built.stderr).toBe(0);
    const theirs = (await idOf(foreign[0]!))!;
    for (const ref of foreign.slice(1)) expect((await docker('tag', theirs, ref)).code).toBe(0);

    // A build, then the same source again (its image re-tagged, not rebuilt); one image is kept.
    for (let i = 0; i < 2; i++) {
      const r = await server.cli(['deploy', join(ROOT, 'examples', 'python-stdlib'), '--app', 'twin']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await get(`${PROXY}/`, { host: 'twin.localhost' })).body).toBe('python-stdlib: hello\n');
    for (const ref of foreign) expect(await idOf(ref), ref).toBe(theirs);
    // Pruned in the background once the old release is stopped.
    const own = async () => (await appImages('default', 'twin')).filter((t) => !t.includes(`/${OTHER}:`));
    const ownOnly = await eventually(own, (l) => l.length === 1, 20_000);
    expect(ownOnly, 'one image kept (BERTH_KEEP_IMAGES=1)').toHaveLength(1);
    // An orphan of this Berth (and one of the other's, same number) for reconcile to find.
    const orphan = ownOnly[0]!.replace(/:d\d+$/, ':d99');
    for (const ref of [orphan, `${TEST.prefix}/default/twin/${OTHER}:d99`]) expect((await docker('tag', theirs, ref)).code).toBe(0);

    // A restart runs reconcile().
    await server.stop();
    server = await server.restart();

    for (const ref of [...foreign, `${TEST.prefix}/default/twin/${OTHER}:d99`]) expect(await idOf(ref), ref).toBe(theirs);
    expect(await idOf(orphan), 'its own orphan').toBeNull();
    expect(await own()).toEqual(ownOnly);
    expect((await get(`${PROXY}/`, { host: 'twin.localhost' })).body).toBe('python-stdlib: hello\n');
  }, 300_000);
});
