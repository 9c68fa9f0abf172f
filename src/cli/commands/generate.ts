// `berth generate`: the Dockerfile (and docker-compose.yml) Berth would build a directory with,
// printed or written, so the result can be inspected or taken elsewhere.
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../../config.js';
import { Invalid } from '../../errors.js';
import type { CliContext } from '../context.js';

export function registerGenerate(program: Command, ctx: CliContext): void {
  program
    .command('generate')
    .description('print (or --write) the Dockerfile Berth generates for a directory without one, and a docker-compose.yml with --compose')
    .argument('[dir]', 'the app directory', '.')
    .option('--compose', 'also generate docker-compose.yml')
    .option('--write', 'write the files into the directory instead of printing them')
    .action(async (dirArg: string, o: { compose?: boolean; write?: boolean }) => {
      // Loaded on demand: only this command needs the detector and the schema validator.
      const [{ detectStack }, { loadTemplates }, { appFolder, folderFiles, readManifest }, { composeFile }] = await Promise.all([
        import('../../domain/stacks/detect.js'),
        import('../../domain/stacks/templates.js'),
        import('../../domain/source/source.js'),
        import('../../domain/stacks/compose.js'),
      ]);
      const top = resolve(dirArg);
      if (!existsSync(top)) throw Invalid(`directory ${top} does not exist`);
      const manifest = readManifest(top);
      const dir = appFolder(top, manifest?.root);
      const templates = loadTemplates();
      const port = manifest?.port ?? 8080;
      const plan = detectStack(folderFiles(dir), templates, { images: loadConfig(process.env).images, runtime: manifest?.runtime, start: manifest?.start, build: manifest?.build, port });
      for (const n of plan.notes) ctx.err(`note: ${n}`);
      const name = manifest?.name ?? basename(top).toLowerCase().replace(/[^a-z0-9-]+/g, '-');
      const compose = composeFile(templates.compose, { name, port, dockerfile: plan.dockerfile ?? readFileSync(join(dir, 'Dockerfile'), 'utf8') });
      const files: [string, string][] = [];
      if (plan.dockerfile) files.push(['Dockerfile', plan.dockerfile]);
      else ctx.err(`${join(dir, 'Dockerfile')} exists: Berth builds with it as it is`);
      if (plan.dockerfile && !existsSync(join(dir, '.dockerignore'))) files.push(['.dockerignore', templates.dockerignore]);
      if (o.compose) files.push(['docker-compose.yml', compose]);
      if (!o.write) {
        for (const [f, text] of files) ctx.out(files.length > 1 ? `# ---- ${f}\n${text}` : text.replace(/\n$/, ''));
        if (!plan.dockerfile && !o.compose) ctx.out(readFileSync(join(dir, 'Dockerfile'), 'utf8').replace(/\n$/, ''));
        return;
      }
      for (const [f] of files) if (existsSync(join(dir, f))) throw Invalid(`${join(dir, f)} exists; not overwriting it`);
      for (const [f, text] of files) writeFileSync(join(dir, f), text);
      ctx.out(`wrote ${files.map(([f]) => f).join(', ')} in ${dir} (${plan.label})`);
    });
}
