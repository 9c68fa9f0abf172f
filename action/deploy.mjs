/* global process, console, fetch, TextDecoder */
// The Berth GitHub Action's script (action.yml): deploys INPUT_IMAGE to INPUT_APP through
// Berth's API, streams the deploy log, and exits non-zero when the deploy fails. Plain Node
// 20 with no dependencies, so it runs on any runner (and locally: see test/e2e/pipelines).
import { appendFileSync } from 'node:fs';

const input = (name, required = true) => {
  const v = (process.env[`INPUT_${name}`] ?? '').trim();
  if (required && !v) fail(`input ${name.toLowerCase().replaceAll('_', '-')} is required`);
  return v;
};
function fail(message) {
  console.log(`::error::${message}`);
  process.exit(1);
}
const output = (key, value) => {
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${key}=${value}\n`);
};

const base = input('BERTH_URL').replace(/\/$/, '');
const token = input('TOKEN');
const app = input('APP');
const image = input('IMAGE');
const create = input('CREATE', false) === 'true';
console.log(`::add-mask::${token}`);
const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };

const query = create ? '?create=true' : '';
const res = await fetch(`${base}/api/v1/apps/${encodeURIComponent(app)}/deploys${query}`, { method: 'POST', headers, body: JSON.stringify({ image }) });
const started = await res.json().catch(() => ({}));
if (!res.ok) fail(`Berth refused the deploy (${res.status}): ${started.error?.message ?? res.statusText}`);
const id = started.deployment.id;
console.log(`deploying ${image} to ${app}: deployment #${id}`);
output('deployment', id);

// The deploy's log, as Server-Sent Events, until its `end` event.
const log = await fetch(`${base}/api/v1/deployments/${id}/log?follow=true`, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
if (!log.ok || !log.body) fail(`cannot follow deployment #${id}: ${log.status}`);
let end = null;
let buffer = '';
const decoder = new TextDecoder();
for await (const chunk of log.body) {
  buffer += decoder.decode(chunk, { stream: true });
  let i;
  while ((i = buffer.indexOf('\n\n')) >= 0) {
    const block = buffer.slice(0, i);
    buffer = buffer.slice(i + 2);
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!event || !data) continue;
    const body = JSON.parse(data);
    if (event === 'line') console.log(body.line);
    if (event === 'end') end = body;
  }
  if (end) break;
}
if (!end) fail(`the log of deployment #${id} ended without an outcome`);
if (end.status !== 'running') fail(`deployment #${id} failed: ${end.reason ?? end.status}`);
output('url', end.urls?.[0] ?? '');
console.log(`deployed: ${(end.urls ?? []).join(' ')}`);
