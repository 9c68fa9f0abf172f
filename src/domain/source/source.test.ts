import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { detectStack } from '../stacks/detect.js';
import { loadTemplates } from '../stacks/templates.js';
import { appFolder, extractUpload, folderFiles, readManifest, readSourceFile, SOURCE_FILE_MAX_BYTES, writeSourceFile } from './source.js';

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

describe('source files are read and written without following links', () => {
  const made: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-src-'));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  /** A host file outside the source, as a tenant's link would point at. */
  const hostFile = () => {
    const f = join(fresh(), 'secret');
    writeFileSync(f, 'root:x:0:0:root:/root:/bin/bash\n');
    return f;
  };

  it.each(['berth.yml', 'berth.yaml', 'berth.json'])('refuses a %s that is a link, without reading what it points at', (name) => {
    const src = fresh();
    symlinkSync(hostFile(), join(src, name));
    expect(() => readManifest(src)).toThrow(`${name} is a symbolic link; Berth does not follow links in sources`);
  });

  it.each([
    ['a link to a host file', (src: string) => symlinkSync(hostFile(), join(src, 'Procfile')), /Procfile is a symbolic link; Berth does not follow links in sources/],
    ['a dangling link', (src: string) => symlinkSync('/nonexistent/berth-test', join(src, 'Procfile')), /Procfile is a symbolic link/],
    ['a link inside the source', (src: string) => (writeFileSync(join(src, 'real'), 'web: x\n'), symlinkSync('real', join(src, 'Procfile'))), /Procfile is a symbolic link/],
    ['a directory', (src: string) => mkdirSync(join(src, 'Procfile')), /Procfile is not a regular file/],
    ['a file over the limit', (src: string) => writeFileSync(join(src, 'Procfile'), Buffer.alloc(SOURCE_FILE_MAX_BYTES + 1, 'a')), /Procfile is 1048577 bytes; Berth reads at most 1048576/],
  ])('readSourceFile refuses %s, naming the file', (_what, make, reason) => {
    const src = fresh();
    make(src);
    expect(() => readSourceFile(src, 'Procfile')).toThrow(reason);
  });

  it('readSourceFile reads a regular file and answers null when there is none', () => {
    const src = fresh();
    writeFileSync(join(src, 'Procfile'), 'web: node server.js\n');
    expect(readSourceFile(src, 'Procfile')).toBe('web: node server.js\n');
    expect(readSourceFile(src, 'app.json')).toBeNull();
  });

  it('writeSourceFile creates a new file', () => {
    const src = fresh();
    writeSourceFile(src, 'Dockerfile', 'FROM x\n');
    expect(readFileSync(join(src, 'Dockerfile'), 'utf8')).toBe('FROM x\n');
  });

  it.each([
    ['a dangling link', (src: string, target: string) => symlinkSync(target, join(src, 'Dockerfile')), /Dockerfile is a symbolic link/],
    ['a link to an existing file', (src: string, target: string) => (writeFileSync(target, 'host\n'), symlinkSync(target, join(src, 'Dockerfile'))), /Dockerfile is a symbolic link/],
    ['a regular file', (src: string) => writeFileSync(join(src, 'Dockerfile'), 'FROM mine\n'), /Dockerfile is already in the source; Berth does not overwrite it/],
  ])('writeSourceFile never writes through %s', (_what, make, reason) => {
    const src = fresh();
    const target = join(fresh(), 'pwned');
    make(src, target);
    const before = existsSync(target) ? readFileSync(target, 'utf8') : null;
    expect(() => writeSourceFile(src, 'Dockerfile', 'FROM evil\n')).toThrow(reason);
    expect(existsSync(target) ? readFileSync(target, 'utf8') : null).toBe(before);
  });

  it.each(['Dockerfile', 'package.json', 'yarn.lock', 'index.html'])('stack detection refuses a %s that is a link', (name) => {
    const src = fresh();
    writeFileSync(join(src, 'package.json'), '{"scripts":{"start":"node s.js"}}');
    writeFileSync(join(src, 'index.html'), '<h1>hi</h1>');
    rmSync(join(src, name), { force: true });
    symlinkSync(hostFile(), join(src, name));
    const files = folderFiles(src);
    expect(() => (name === 'package.json' ? files.read(name) : files.has(name))).toThrow(`${name} is a symbolic link; Berth does not follow links in sources`);
  });

  it('stack detection sees regular files and nothing else', () => {
    const src = fresh();
    writeFileSync(join(src, 'index.html'), '<h1>hi</h1>');
    mkdirSync(join(src, 'go.mod'));
    const files = folderFiles(src);
    expect([files.has('index.html'), files.has('go.mod'), files.has('missing')]).toEqual([true, false, false]);
    expect([files.read('index.html'), files.read('go.mod')]).toEqual(['<h1>hi</h1>', null]);
  });

  it.each([
    ['is a link to a host folder', (src: string) => symlinkSync(fresh(), join(src, 'app')), 'app', /berth\.yml names root app, but app is a symbolic link/],
    ['passes through a link', (src: string) => symlinkSync(fresh(), join(src, 'services')), 'services/api', /but services is a symbolic link/],
    ['is a link inside the source', (src: string) => (mkdirSync(join(src, 'real')), symlinkSync('real', join(src, 'app'))), 'app', /but app is a symbolic link/],
    ['is a file', (src: string) => writeFileSync(join(src, 'app'), ''), 'app', /but the source has no such folder/],
  ])('appFolder refuses a root that %s', (_what, make, root, reason) => {
    const src = fresh();
    make(src);
    expect(() => appFolder(src, root)).toThrow(reason);
  });
});

describe('an uploaded tarball', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['an absolute link', '/etc/passwd'],
    ['a link climbing out of the source', '../../../etc/passwd'],
  ])('is refused when it holds %s, naming the file', async (_what, target) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-upload-'));
    made.push(dir);
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'index.html'), 'hi');
    symlinkSync(target, join(dir, 'in', 'Procfile'));
    await tar.c({ gzip: true, cwd: join(dir, 'in'), file: join(dir, 'u.tar.gz'), portable: true }, ['index.html', 'Procfile']);
    await expect(extractUpload(join(dir, 'u.tar.gz'), join(dir, 'out'))).rejects.toThrow('Procfile is a symbolic link out of the source; Berth does not follow links in sources');
  });

  it('has stopped writing when it refuses one, so the deploy can clear its folder (it used to leave the deploy hanging)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-upload-'));
    made.push(dir);
    mkdirSync(join(dir, 'in'));
    symlinkSync('/tmp/nowhere/pwned', join(dir, 'in', 'Dockerfile'));
    const names = ['Dockerfile'];
    for (let i = 0; i < 20; i++) {
      writeFileSync(join(dir, 'in', `f${i}.txt`), 'x'.repeat(10_000));
      names.push(`f${i}.txt`);
    }
    await tar.c({ gzip: true, cwd: join(dir, 'in'), file: join(dir, 'u.tar.gz'), portable: true }, names);
    for (let i = 0; i < 5; i++) {
      await expect(extractUpload(join(dir, 'u.tar.gz'), join(dir, 'work', 'src'))).rejects.toThrow(/Dockerfile is a symbolic link out of the source/);
      await rm(join(dir, 'work'), { recursive: true });
    }
  });

  it('refuses what is not a .tar.gz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-upload-'));
    made.push(dir);
    writeFileSync(join(dir, 'u.tar.gz'), 'not a tarball');
    await expect(extractUpload(join(dir, 'u.tar.gz'), join(dir, 'out'))).rejects.toThrow(/the uploaded source is not a readable \.tar\.gz/);
  });
});
