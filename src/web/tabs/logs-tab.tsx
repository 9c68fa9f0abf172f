// The app's runtime output, live: follow or pause, and search within what has arrived.
import { useEffect, useRef, useState } from 'preact/hooks';
import { appPath, stream } from '../api.js';
import { filterLines } from '../format.js';
import type { TabProps } from '../pages/app-page.js';

const MAX_LINES = 5000;

export function LogsTab({ ref_, app }: TabProps) {
  const [lines, setLines] = useState<string[]>([]);
  const [paused, setPaused] = useState(false);
  const [query, setQuery] = useState('');
  const held = useRef<string[]>([]);
  const pausedRef = useRef(false);
  const box = useRef<HTMLPreElement>(null);
  const deployment = app.currentDeployment?.id;

  useEffect(() => {
    setLines([]);
    return stream(`${appPath(ref_, '/logs')}?follow=true&tail=200`, {
      line: (d) => {
        const line = (d as { line: string }).line;
        if (pausedRef.current) held.current.push(line);
        else setLines((l) => [...l, line].slice(-MAX_LINES));
      },
    });
  }, [ref_, deployment]);
  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, paused]);

  const toggle = () => {
    pausedRef.current = !paused;
    if (paused) {
      setLines((l) => [...l, ...held.current].slice(-MAX_LINES));
      held.current = [];
    }
    setPaused(!paused);
  };
  const shown = filterLines(lines, query);
  return (
    <div class="stack">
      <div class="row">
        <button type="button" onClick={toggle} aria-pressed={paused}>
          {paused ? 'Follow' : 'Pause'}
        </button>
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
