import { describe, expect, it } from 'vitest';
import { deriveStatus, type AppStatus, type LiveContainer, type StatusFacts } from './app-service.js';

const running = (containers: string[], processes: Record<string, string> = { web: '' }) => ({ status: 'running' as const, containers, processes });
const live = (entries: Record<string, LiveContainer>) => new Map(Object.entries(entries));
const up = (process = 'web'): LiveContainer => ({ state: 'running', process });
const down = (process = 'web', state = 'exited'): LiveContainer => ({ state, process });

describe('the status of an app, the same for `berth apps` and `berth status`', () => {
  const cases: [string, StatusFacts, AppStatus][] = [
    ['new: never deployed', { current: null, latest: null, formation: {}, live: new Map() }, 'new'],
    ['deploying while a deployment is under way', { current: running(['a']), latest: { status: 'starting' }, formation: {}, live: live({ a: up() }) }, 'deploying'],
    ['failed: the only deploy failed', { current: null, latest: { status: 'failed' }, formation: {}, live: new Map() }, 'failed'],
    ['running while a web container runs', { current: running(['a', 'b']), latest: { status: 'running' }, formation: {}, live: live({ a: down(), b: up() }) }, 'running'],
    ['crashed when every web container has exited', { current: running(['a']), latest: { status: 'running' }, formation: {}, live: live({ a: down() }) }, 'crashed'],
    [
      'crashed, not running, while its only web container is crash-looping though up between two crashes',
      { current: running(['a']), latest: { status: 'running' }, formation: {}, live: live({ a: { ...up(), looping: true } }) },
      'crashed',
    ],
    ['running while one web container runs steadily and another crash-loops', { current: running(['a', 'b']), latest: { status: 'running' }, formation: {}, live: live({ a: { ...up(), looping: true }, b: up() }) }, 'running'],
    ['new while never deployed, even with a formation recorded by `berth scale`', { current: null, latest: null, formation: { web: 2 }, live: new Map() }, 'new'],
    ['crashed while Docker restarts its only web container', { current: running(['a']), latest: { status: 'running' }, formation: {}, live: live({ a: down('web', 'restarting') }) }, 'crashed'],
    ['crashed when the web container is gone from Docker', { current: running(['a']), latest: { status: 'running' }, formation: {}, live: new Map() }, 'crashed'],
    [
      'crashed when web is down although a worker runs: nothing serves',
      { current: running(['a', 'w'], { web: '', worker: 'w' }), latest: { status: 'running' }, formation: {}, live: live({ a: down(), w: up('worker') }) },
      'crashed',
    ],
    ['stopped, not crashed, when scaled to web=0 on purpose', { current: running([]), latest: { status: 'running' }, formation: { web: 0 }, live: new Map() }, 'stopped'],
    [
      'stopped when web is scaled to 0 and only a worker is left',
      { current: running(['w'], { web: '', worker: 'w' }), latest: { status: 'running' }, formation: { web: 0 }, live: live({ w: up('worker') }) },
      'stopped',
    ],
    ['running: a release of workers only, one running', { current: running(['w'], { worker: 'w' }), latest: { status: 'running' }, formation: {}, live: live({ w: up('worker') }) }, 'running'],
    ['crashed: a release of workers only, none running', { current: running(['w'], { worker: 'w' }), latest: { status: 'running' }, formation: {}, live: live({ w: down('worker') }) }, 'crashed'],
    ['unknown when Docker cannot be asked', { current: running(['a']), latest: { status: 'running' }, formation: {}, live: null }, 'unknown'],
  ];
  it.each(cases)('%s', (_name, facts, want) => {
    expect(deriveStatus(facts)).toBe(want);
  });
});
