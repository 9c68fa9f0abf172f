// A deploy's build-and-release log, streamed line by line until it ends with the outcome.
import { useEffect, useRef, useState } from 'preact/hooks';
import { stream } from '../api.js';

interface End {
  status: string;
  reason: string | null;
  urls: string[];
}

export function DeployLog({ deploymentId, onEnd }: { deploymentId: number; onEnd?: (e: End) => void }) {
  const [lines, setLines] = useState<string[]>([]);
  const [end, setEnd] = useState<End | null>(null);
  const box = useRef<HTMLPreElement>(null);
  useEffect(
    () =>
      stream(`/deployments/${deploymentId}/log?follow=true`, {
        line: (d) => setLines((l) => [...l, (d as { line: string }).line]),
        end: (d) => {
          setEnd(d as End);
          onEnd?.(d as End);
        },
      }),
    [deploymentId],
  );
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <section class="deploy-log" aria-label={`Deploy #${deploymentId} log`}>
      <h2>
        Deploy #{deploymentId} {end ? <span class={`badge badge-${end.status}`}>{end.status}</span> : <span class="badge badge-deploying">in progress</span>}
      </h2>
      <pre ref={box} class="log" aria-live="polite" data-testid="deploy-log">
        {lines.join('\n')}
      </pre>
      {end?.reason && (
        <p class="notice error" role="alert">
          {end.reason}
        </p>
      )}
      {end?.status === 'running' &&
        end.urls.map((u) => (
          <p key={u}>
            Live at <a href={u}>{u}</a>
          </p>
        ))}
    </section>
  );
}
