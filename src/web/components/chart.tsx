// A small line chart in SVG: no chart library, no canvas, readable by screen readers through
// its title and a summary of the latest value.
interface Point {
  t: number;
  v: number;
}

export function LineChart({ title, points, format, spanMs }: { title: string; points: Point[]; format: (v: number) => string; spanMs: number }) {
  const W = 600;
  const H = 160;
  const end = Date.now();
  const start = end - spanMs;
  const max = Math.max(1e-9, ...points.map((p) => p.v)) * 1.1;
  const x = (t: number) => ((t - start) / spanMs) * W;
  const y = (v: number) => H - (v / max) * H;
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const last = points.at(-1);
  return (
    <figure class="chart">
      <figcaption>
        {title}: {last ? format(last.v) : 'no samples yet'} <span class="muted">(peak {format(max / 1.1)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`${title} over the last hour`}>
        <line x1="0" y1={H} x2={W} y2={H} class="axis" />
        {points.length > 1 && <path d={d} class="line" />}
        {points.length === 1 && <circle cx={x(points[0]!.t)} cy={y(points[0]!.v)} r="3" class="dot" />}
      </svg>
    </figure>
  );
}
