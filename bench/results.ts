// Where every benchmark writes its figures: bench/results/<name>.json (for tools) and
// <name>.md (for people), and the JSON on standard output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/berth.js';

export function writeResults(name: string, result: object, markdown: string): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `${name}.md`), markdown);
  console.log(JSON.stringify(result, null, 2));
}
