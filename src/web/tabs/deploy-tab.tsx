// Deploy this app again, from a git URL and ref or an image.
import { DeployForm } from '../components/deploy-form.js';
import type { TabProps } from '../pages/app-page.js';

export function DeployTab({ ref_, canWrite, reload }: TabProps) {
  if (!canWrite) return <p class="muted">Viewers cannot deploy.</p>;
  return <DeployForm appRef={ref_} onDone={reload} />;
}
