// What Berth notifies about: each notification event and the event kinds recorded in the
// events table (src/infra/db/events-repo.ts) it is made from. Pure; one line per event.

export interface NotifyEventSpec {
  /** The name receivers see and `berth notify add --events` takes. */
  name: string;
  /** The recorded event kinds that make it. */
  kinds: readonly string[];
  /** Its title in a chat message. */
  title: string;
  /** Slack's emoji shortcode before the title. */
  icon: string;
}

export const NOTIFY_EVENTS = [
  { name: 'deploy.failed', kinds: ['deployment.failed'], title: 'Deploy failed', icon: ':x:' },
  { name: 'deploy.succeeded', kinds: ['deployment.running'], title: 'Deploy succeeded', icon: ':white_check_mark:' },
  { name: 'process.crash-loop', kinds: ['process.crash-loop'], title: 'Crash loop', icon: ':rotating_light:' },
  { name: 'tls.failed', kinds: ['tls.failed'], title: 'Certificate failure', icon: ':lock:' },
  { name: 'cron.failed', kinds: ['cron.failed'], title: 'Cron job failed', icon: ':alarm_clock:' },
  // Backups and restore drills (issue #20): events of an add-on carry their owner, not an app.
  { name: 'backup.failed', kinds: ['backup.failed'], title: 'Backup failed', icon: ':floppy_disk:' },
  { name: 'drill.failed', kinds: ['drill.failed'], title: 'Restore drill failed', icon: ':fire_extinguisher:' },
] as const satisfies readonly NotifyEventSpec[];

export type NotifyEventName = (typeof NOTIFY_EVENTS)[number]['name'];

/** Every event name, for defaults and error messages. */
export const NOTIFY_EVENT_NAMES: readonly string[] = NOTIFY_EVENTS.map((e) => e.name);

/** The test message `berth notify test` sends; not subscribable. */
export const TEST_EVENT: NotifyEventSpec = { name: 'notify.test', kinds: [], title: 'Test notification', icon: ':wave:' };

/** The notification event a recorded event kind makes, if any. */
export function notifyEventOf(kind: string): NotifyEventSpec | undefined {
  return (NOTIFY_EVENTS as readonly NotifyEventSpec[]).find((e) => e.kinds.includes(kind));
}

/** Every recorded kind that makes a notification (what the notifier looks for). */
export const NOTIFIED_KINDS: readonly string[] = NOTIFY_EVENTS.flatMap((e) => e.kinds);
