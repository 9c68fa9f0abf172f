// bench/wrk.ts: runs `wrk -t2 -c50` for bench/proxy.ts with a Lua script that sends every
// connection to one address (the URL's host stays the TLS SNI name), rotates the Host header over
// the routed apps' hosts, and prints the figures as JSON; every wrk still running can be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';

export interface Measure {
  /** The host's 1-minute load average as the measurement ended: other work on the 2 cores moves every figure. */
  load1: number;
  rps: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

/** wrk processes still running, for a cleanup that has to end them. */
export const running = new Set<ChildProcess>();

/** wrk's Lua: every connection goes to `address`, requests rotate the Host header over all hosts, done() prints JSON. */
export function luaScript(hosts: string[], address: string): string {
  return `wrk.resolve = function(host, service) wrk.addrs = wrk.lookup("${address}", service) end
local hosts = { ${hosts.map((h) => `"${h}"`).join(', ')} }
local reqs = {}
local i = 0
function init(args)
  for k, h in ipairs(hosts) do reqs[k] = wrk.format(nil, "/", { Host = h }) end
  i = math.random(#hosts)
end
function request()
  i = i + 1
  return reqs[(i % #hosts) + 1]
end
function done(s, lat, r)
  local e = s.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"p99Us":%d,"errors":%d}\\n',
    s.requests, s.duration, lat:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
`;
}

export function wrk(script: string, url: string, seconds: number): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', '-c50', `-d${seconds}s`, '--timeout', '5s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      running.delete(child);
      const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (code !== 0 || !line) return reject(new Error(`wrk ${url} exited ${code}: ${out.slice(-500)}`));
      const j = JSON.parse(line.slice(8)) as { requests: number; durationUs: number; p99Us: number; errors: number };
      resolve({ load1: Number(loadavg()[0]!.toFixed(2)), rps: Math.round(j.requests / (j.durationUs / 1e6)), p99Ms: Number((j.p99Us / 1000).toFixed(2)), requests: j.requests, errors: j.errors });
    });
  });
}

