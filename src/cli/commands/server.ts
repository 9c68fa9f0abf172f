// `berth server`: runs the control plane in the foreground until SIGINT/SIGTERM.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function registerServer(program: Command, ctx: CliContext): void {
  program
    .command('server')
    .description('run the Berth control plane (API, deploys, proxy configuration)')
    .option('--data-dir <dir>', 'where Berth keeps its database, logs and proxy state (BERTH_DATA_DIR; default /var/lib/berth)')
    .option('--listen <host:port>', 'API address (BERTH_LISTEN; default 127.0.0.1:7070)')
    .option('--domain <domain>', 'apps answer at <app>.<domain> (BERTH_DOMAIN; default localhost)')
    .option('--http-port <port>', 'port the proxy serves apps on (BERTH_HTTP_PORT; default 80)')
    .option('--caddy-admin <host:port>', "Caddy's admin API (BERTH_CADDY_ADMIN; default 127.0.0.1:2019)")
    .option('--network <name>', 'Docker network for app containers (BERTH_NETWORK; default berth)')
    .action(async (o: { dataDir?: string; listen?: string; domain?: string; httpPort?: string; caddyAdmin?: string; network?: string }) => {
      const server = await ctx.ops.startServer({ dataDir: o.dataDir, listen: o.listen, domain: o.domain, httpPort: o.httpPort, caddyAdmin: o.caddyAdmin, network: o.network });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
