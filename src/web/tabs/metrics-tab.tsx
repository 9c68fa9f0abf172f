// CPU and memory over the last hour, from the samples Berth keeps in SQLite.
import { appPath } from '../api.js';
import { LineChart } from '../components/chart.js';
import { bytes, percent } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useApi } from '../use-api.js';

interface Sample {
  at: string;
  cpuPercent: number;
  memoryBytes: number;
}

export function MetricsTab({ ref_, tick }: TabProps) {
  const m = useApi<Sample[]>(appPath(ref_, '/metrics?minutes=60'), [tick]);
  const samples = m.data ?? [];
  const hour = 3_600_000;
  return (
    <div class="grid">
      <LineChart title="CPU" spanMs={hour} format={percent} points={samples.map((s) => ({ t: Date.parse(s.at), v: s.cpuPercent }))} />
      <LineChart title="Memory" spanMs={hour} format={bytes} points={samples.map((s) => ({ t: Date.parse(s.at), v: s.memoryBytes }))} />
      <p class="muted">{samples.length} samples in the last hour.</p>
    </div>
  );
}
