import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectStack } from '../stacks/detect.js';
import { loadTemplates } from '../stacks/templates.js';
import { appFolder, folderFiles, readManifest } from './source.js';

const images = { base: 'b', node: 'n', python: 'p', go: 'g', static: 's' };

describe('a monorepo subdirectory named by berth.yml root:', () => {
  it('detects the stack in that folder, not at the top', () => {
    const repo = mkdtempSync(join(tmpdir(), 'berth-mono-'));
    mkdirSync(join(repo, 'services', 'api'), { recursive: true });
    writeFileSync(join(repo, 'berth.yml'), 'name: api\nroot: services/api\n');
    writeFileSync(join(repo, 'index.html'), '<h1>the docs site at the top</h1>');
    writeFileSync(join(repo, 'services', 'api', 'go.mod'), 'module api\n');
    const manifest = readManifest(repo);
    const dir = appFolder(repo, manifest?.root);
    expect(dir).toBe(join(repo, 'services', 'api'));
    expect(detectStack(folderFiles(dir), loadTemplates(), { images, port: 8080 }).stack).toBe('go');
    expect(detectStack(folderFiles(repo), loadTemplates(), { images, port: 8080 }).stack).toBe('static');
  });

  it('fails clearly when the folder is not there', () => {
    const repo = mkdtempSync(join(tmpdir(), 'berth-mono-'));
    expect(() => appFolder(repo, 'services/missing')).toThrow(/names root services\/missing, but the source has no such folder/);
  });
});
