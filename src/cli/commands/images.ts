// `berth images bootstrap`: builds Berth's base images from a Debian mirror, for hosts that
// cannot pull from Docker Hub.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerImages(program: Command, ctx: CliContext): void {
  const images = program.command('images').description("manage Berth's base images");
  images
    .command('bootstrap')
    .description('build the base images (Debian, Node.js, Python 3, Go, static files) from a Debian package mirror')
    .option('--mirror <url>', "Debian mirror (default: the one this host's apt uses)")
    .option('--ca-file <file>', 'a site CA bundle that builds must trust (added system-wide and for npm)')
    .option('--only <names>', 'comma-separated subset: base,node,python,go,static')
    .option('--force', 'rebuild even when the images are up to date')
    .action(async (o: { mirror?: string; caFile?: string; only?: string; force?: boolean }) => {
      const started = Date.now();
      const r = await ctx.ops.bootstrapImages({ mirror: o.mirror, caFile: o.caFile, only: o.only?.split(',').map((s) => s.trim()), force: o.force ?? false, log: (l) => ctx.out(l) });
      ctx.out(`images ready in ${((Date.now() - started) / 1000).toFixed(1)}s: built ${r.built.join(', ') || 'none'}; up to date ${r.cached.join(', ') || 'none'}`);
    });
}
