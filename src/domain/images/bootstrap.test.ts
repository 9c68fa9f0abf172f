import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildParams, ContainerSpec, ImageStore } from '../ports.js';
import { labelVersion, type BootstrapEngine } from './bootstrap.js';

/** An engine whose containers print `output` and exit with `code`; builds are recorded. */
function engine(output: string, code = 0) {
  const builds: { params: BuildParams; dockerfile: string }[] = [];
  const runs: ContainerSpec[] = [];
  const docker: BootstrapEngine = {
    ping: () => Promise.resolve(),
    images: {
      build: (p: BuildParams) => {
        builds.push({ params: p, dockerfile: readFileSync(join(p.contextDir, 'Dockerfile'), 'utf8') });
        return Promise.resolve();
      },
    } as unknown as ImageStore,
    containers: {
      runOnce: (spec, onLine) => {
        runs.push(spec);
        for (const l of output.split('\n').filter(Boolean)) onLine(l);
        return Promise.resolve(code);
      },
    },
  };
  return { docker, builds, runs };
}

describe('labelVersion: the runtime version recorded on a base image', () => {
  it('asks the image, without a network, and labels it with one more build FROM it', async () => {
    const e = engine('v18.19.0\n');
    const log: string[] = [];
    await labelVersion(e.docker, 'berth/node:bookworm', 'node', (l) => log.push(l));
    expect(e.runs).toMatchObject([{ image: 'berth/node:bookworm', network: 'none', cmd: ['node', '--version'] }]);
    expect(e.builds).toHaveLength(1);
    expect(e.builds[0]!.dockerfile).toBe('FROM berth/node:bookworm\n');
    expect(e.builds[0]!.params).toMatchObject({ tag: 'berth/node:bookworm', labels: { 'berth.runtime.version': '18.19.0' } });
    expect(log).toEqual(['-----> berth/node:bookworm has node 18.19.0']);
  });

  it('leaves the image as it is and says so when the probe fails', async () => {
    const e = engine('sh: 1: go: not found\n', 127);
    const log: string[] = [];
    await labelVersion(e.docker, 'berth/go:bookworm', 'go', (l) => log.push(l));
    expect(e.builds).toEqual([]);
    expect(log[0]).toMatch(/note: could not read the go version of berth\/go:bookworm \(go version exited 127: sh: 1: go: not found\); builds will call it unknown/);
  });
});
