// The clock of scheduled jobs: calls CronRunner.tick() when the next job is due (at least every
// few seconds, so a newly deployed job is seen), until stopped. What a tick does is domain/cron's.
import type { Logger } from '../domain/context.js';
import type { CronRunner } from '../domain/cron/cron-runner.js';

export interface CronTicker {
  /** No tick after this; runs going are stopped (recorded as interrupted) and waited for. */
  stop(): Promise<void>;
}

/** Marks the runs a stopped Berth left as interrupted, then ticks until stopped. */
export function startCronTicker(runner: CronRunner, logger: Logger): CronTicker {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const interrupted = runner.recover();
  if (interrupted > 0) logger.warn({ runs: interrupted }, 'cron runs interrupted by the restart were marked so');
  const loop = () => {
    if (stopped) return;
    let wait = 5000;
    try {
      wait = runner.tick();
    } catch (e) {
      logger.warn({ err: e }, 'a cron tick failed');
    }
    timer = setTimeout(loop, wait);
  };
  loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await runner.stop();
    },
  };
}
