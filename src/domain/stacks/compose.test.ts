import { describe, expect, it } from 'vitest';
import { loadTemplates } from './templates.js';
import { berthImageArgs, composeFile } from './compose.js';

describe('composeFile', () => {
  const template = loadTemplates().compose;

  it("says that Berth's base image exists only on a Berth host, and which public image to name instead", () => {
    const text = composeFile(template, { name: 'shop', port: 3000, dockerfile: 'ARG BERTH_IMAGE_NODE=berth/node:bookworm\nFROM ${BERTH_IMAGE_NODE}\n' });
    expect(text).toContain('# The Dockerfile builds FROM berth/node:bookworm');
    expect(text).toContain('exist only on a Berth host');
    expect(text).toContain('--build-arg BERTH_IMAGE_NODE=node:18-bookworm-slim');
    expect(text).toContain('  shop:\n    build: .');
    expect(text).toContain('"3000:3000"');
  });

  it('names every base image of a two-stage Dockerfile', () => {
    const args = berthImageArgs('ARG BERTH_IMAGE_GO=berth/go:bookworm\nARG BERTH_IMAGE_BASE=berth/base:bookworm\nFROM ${BERTH_IMAGE_GO} AS build\n');
    expect(args).toEqual([
      { arg: 'BERTH_IMAGE_GO', image: 'berth/go:bookworm' },
      { arg: 'BERTH_IMAGE_BASE', image: 'berth/base:bookworm' },
    ]);
  });

  it('adds nothing for a Dockerfile that names no Berth image', () => {
    expect(composeFile(template, { name: 'shop', port: 8080, dockerfile: 'FROM node:20\n' })).not.toContain('Berth host');
  });
});
