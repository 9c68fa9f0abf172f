// The reference proxies bench/proxy.ts measures Berth against: one plain Caddy (reverse_proxy,
// keep-alive defaults; http and https with its internal CA) and nginx with upstream keep-alive,
// each started on loopback from a minimal config in a scratch folder and stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One routed app as the reference proxies see it: its host and its container's address. */
export interface Upstream {
  host: string;
  dial: string;
}

/** A proxy process this bench started; stop() ends it by its PID (TERM, then KILL). */
export interface Proc {
  name: string;
  output(): string;
  stop(): Promise<void>;
}

export function startProcess(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Only the tail is kept: enough to say why a process did not come up.
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (e) => (out += `\n${e.message}`));
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null) r();
    child.once('exit', () => r());
    child.once('error', () => r());
  });
  return {
    name,
    output: () => out,
    async stop() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A plain Caddy: `http` on httpPort and `https` (internal CA, certificate for tlsHost) on httpsPort, one host route per app. */
export function startPlainCaddy(p: { dir: string; bin: string; httpPort: number; httpsPort: number; spareHttpPort: number; tlsHost: string; upstreams: Upstream[] }): Proc {
  mkdirSync(p.dir, { recursive: true });
  const routes = p.upstreams.map((u) => ({ match: [{ host: [u.host] }], handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: u.dial }] }], terminal: true }));
  const config = {
    admin: { disabled: true },
    storage: { module: 'file_system', root: join(p.dir, 'data') },
    apps: {
      http: {
        // Automatic HTTPS is off on both servers: the one certificate is named below, and nothing binds :80.
        http_port: p.spareHttpPort,
        https_port: p.httpsPort,
        servers: {
          plain: { listen: [`127.0.0.1:${p.httpPort}`], routes, automatic_https: { disable: true } },
          tls: { listen: [`127.0.0.1:${p.httpsPort}`], routes, tls_connection_policies: [{}], automatic_https: { disable: true } },
        },
      },
      tls: { certificates: { automate: [p.tlsHost] }, automation: { policies: [{ subjects: [p.tlsHost], issuers: [{ module: 'internal' }] }] } },
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
  const file = join(p.dir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  // Caddy writes its autosave and data under XDG folders: keep them in the scratch folder.
  const env = { ...process.env, XDG_CONFIG_HOME: join(p.dir, 'config'), XDG_DATA_HOME: join(p.dir, 'xdg-data'), HOME: p.dir };
  return startProcess('caddy', p.bin, ['run', '--config', file], env);
}

/** nginx with one keep-alive upstream and one server block per app, two workers, no access log. */
export function startNginx(p: { dir: string; bin: string; port: number; upstreams: Upstream[] }): Proc {
  mkdirSync(p.dir, { recursive: true });
  const blocks = p.upstreams.map((u, i) =>
    [
      `  upstream app${i} { server ${u.dial}; keepalive 64; }`,
      `  server {`,
      `    listen 127.0.0.1:${p.port};`,
      `    server_name ${u.host};`,
      `    location / { proxy_pass http://app${i}; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }`,
      `  }`,
    ].join('\n'),
  );
  const conf = [
    'daemon off;',
    'worker_processes 2;',
    `pid ${join(p.dir, 'nginx.pid')};`,
    `error_log ${join(p.dir, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(p.dir, 'body')};`,
    `  proxy_temp_path ${join(p.dir, 'proxy')};`,
    '  server_names_hash_bucket_size 128;',
    '  server_names_hash_max_size 4096;',
    ...blocks,
    '}',
    '',
  ].join('\n');
  const file = join(p.dir, 'nginx.conf');
  writeFileSync(file, conf);
  return startProcess('nginx', p.bin, ['-p', p.dir, '-c', file, '-e', join(p.dir, 'error.log')]);
}
