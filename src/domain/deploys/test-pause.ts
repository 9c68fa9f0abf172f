// A test-only hook: with BERTH_TEST_PAUSE_AT=<point> a deploy stops at that point for good,
// so a fault test can SIGKILL the server exactly there (e.g. `switch`: the proxy already routes
// the new release, the database does not say so yet). Unset, as in production, it costs nothing.

/**
 * Waits forever when BERTH_TEST_PAUSE_AT names this point (the test kills the server
 * meanwhile), after saying so in the deploy log and on the server's stderr.
 */
export async function pauseForTests(point: string, log: (line: string) => void): Promise<void> {
  if (process.env.BERTH_TEST_PAUSE_AT !== point) return;
  log(`-----> paused at ${point} (BERTH_TEST_PAUSE_AT)`);
  process.stderr.write(`paused at ${point} (BERTH_TEST_PAUSE_AT)\n`);
  await new Promise(() => undefined);
}
