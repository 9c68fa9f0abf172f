// What every tab of the app page gets (its own file: the page imports the tabs).
import type { AppView } from '../api.js';

export interface TabProps {
  app: AppView;
  ref_: string;
  canWrite: boolean;
  tick: number;
  reload: () => void;
}
