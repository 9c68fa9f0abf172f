// The router process (router-server.ts), started detached by CaddyProxy:
//   node router-main.js --listen 127.0.0.1:2053 --state <dir> --redirect true|false --https-port 443
import { Router } from './router-server.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) {
    process.stderr.write(`berth router: --${name} is required\n`);
    process.exit(2);
  }
  return v;
}

const router = new Router({ listen: arg('listen'), stateDir: arg('state'), redirect: arg('redirect') === 'true', httpsPort: Number(arg('https-port')) });
router.start().then(
  () => process.stdout.write(`berth router: serving on ${arg('listen')} (pid ${process.pid})\n`),
  (e: unknown) => {
    process.stderr.write(`berth router: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void router.stop().then(() => process.exit(0)));
