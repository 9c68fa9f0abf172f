// The door to debootstrap, chroot and tar, for building a Debian root file system and
// streaming it to `docker import`. Arguments are arrays; nothing goes through a shell.
import { execFile, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface DebootstrapParams {
  suite: string;
  dir: string;
  mirror: string;
  include: string[];
  timeoutMs: number;
  onLog: (line: string) => void;
}

/** Runs debootstrap --variant=minbase; rejects with its last output lines on failure. */
export function debootstrap(p: DebootstrapParams): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['--variant=minbase', ...(p.include.length > 0 ? [`--include=${p.include.join(',')}`] : []), p.suite, p.dir, p.mirror];
    const child = spawn('debootstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 5) tail.shift();
        p.onLog(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), p.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(signal ? `debootstrap was stopped after ${p.timeoutMs / 1000}s` : `debootstrap exited ${code}: ${tail.join(' | ')}`));
    });
  });
}

/** Runs a command inside the root file system with chroot. */
export function chrootRun(dir: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('chroot', [dir, ...argv], { timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`)) : resolve()));
  });
}

/** A tar stream of the whole directory, numeric owners and device nodes kept. */
export function tarStream(dir: string): { stream: Readable; done: Promise<void> } {
  const child = spawn('tar', ['--numeric-owner', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${err.trim()}`)))));
  return { stream: child.stdout, done };
}
