// The clock of scheduled work: calls a runner's tick() when it says the next thing is due (at
// least every few seconds, so a new schedule is seen), until stopped. What a tick does is the
// domain's: app.json cron jobs (domain/cron) and scheduled backups and drills (domain/backups).
import type { Logger } from '../domain/context.js';

/** What a ticker drives: tick() starts what is due and says how long to wait (ms). */
export interface Tickable {
  tick(): number;
  /** Nothing new starts after this; what runs is waited for. */
  stop(): Promise<void>;
}

export interface Ticker {
  /** No tick after this; the runner is stopped and waited for. */
  stop(): Promise<void>;
}

/** Ticks `runner` until stopped; `what` names it in the log when a tick throws. */
export function startTicker(runner: Tickable, logger: Logger, what: string): Ticker {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loop = () => {
    if (stopped) return;
    let wait = 5000;
    try {
      wait = runner.tick();
    } catch (e) {
      logger.warn({ err: e }, `a ${what} tick failed`);
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
