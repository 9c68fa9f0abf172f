// The Dockerfile templates (templates/ at the repository root), read once per use so that what
// Berth generates is always what the repository shows.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Templates } from './detect.js';

/** templates/ sits three levels above this module in both src/ and dist/. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

export function loadTemplates(dir = TEMPLATES_DIR): Templates & { dockerignore: string; compose: string } {
  const read = (f: string) => readFileSync(`${dir}${f}`, 'utf8');
  return {
    node: read('node.Dockerfile'),
    python: read('python.Dockerfile'),
    go: read('go.Dockerfile'),
    static: read('static.Dockerfile'),
    dockerignore: read('dockerignore'),
    compose: read('docker-compose.yml'),
  };
}
