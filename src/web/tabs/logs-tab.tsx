// The app's runtime output, live and oldest first as `berth logs` prints it: follow or pause,
// show one process type, and search within what has arrived.
import { useEffect, useRef, useState } from 'preact/hooks';
import { appPath, stream } from '../api.js';
import { filterLines } from '../format.js';
import type { TabProps } from './tab-props.js';

const MAX_LINES = 5000;

/** A `line` event: the line as printed, and (from servers that send them) its time and process (web.1). */
export interface LogLine {
  line: string;
  time?: string;
  process?: string;
}

/** Adds `line` in time order: streams of several containers interleave, and history comes per container. */
export function insertByTime(lines: LogLine[], line: LogLine): LogLine[] {
  let i = lines.length;
  if (line.time) while (i > 0 && (lines[i - 1]!.time ?? '') > line.time) i--;
  const next = [...lines.slice(0, i), line, ...lines.slice(i)];
  return next.length > MAX_LINES ? next.slice(-MAX_LINES) : next;
}

/** The lines of one process type (web: web.1, web.2, …); all of them for ''. */
export const ofProcess = (lines: LogLine[], type: string): LogLine[] => (type ? lines.filter((l) => l.process?.split('.')[0] === type) : lines);

export function LogsTab({ ref_, app }: TabProps) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [query, setQuery] = useState('');
  const [proc, setProc] = useState('');
  const held = useRef<LogLine[]>([]);
  const pausedRef = useRef(false);
  const box = useRef<HTMLPreElement>(null);
  const deployment = app.currentDeployment?.id;
  const types = Object.keys(app.currentDeployment?.processes ?? {}).filter((t) => t !== 'release');

  useEffect(() => {
    setLines([]);
    return stream(`${appPath(ref_, '/logs')}?follow=true&tail=200`, {
      line: (d) => {
        const l = d as LogLine;
        if (pausedRef.current) held.current.push(l);
        else setLines((ls) => insertByTime(ls, l));
      },
    });
  }, [ref_, deployment]);
  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, paused]);

  const toggle = () => {
    pausedRef.current = !paused;
    if (paused) {
      setLines((ls) => held.current.reduce(insertByTime, ls));
      held.current = [];
    }
    setPaused(!paused);
  };
  const shown = filterLines(
    ofProcess(lines, proc).map((l) => l.line),
    query,
  );
  return (
    <div class="stack">
      <div class="row">
        <button type="button" onClick={toggle} aria-pressed={paused}>
          {paused ? 'Follow' : 'Pause'}
        </button>
        {types.length > 0 && (
          <label class="inline">
            Process
            <select value={proc} onChange={(e) => setProc(e.currentTarget.value)}>
              <option value="">all</option>
              {types.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        )}
        <label class="grow">
          <span class="sr-only">Search logs</span>
          <input type="search" placeholder="Search logs" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <span class="muted" aria-live="polite">
          {shown.length} of {lines.length} lines{paused ? ' (paused)' : ''}
        </span>
      </div>
      <pre ref={box} class="log tall" data-testid="runtime-log">
        {shown.join('\n')}
      </pre>
    </div>
  );
}
