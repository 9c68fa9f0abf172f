// What the backup stores take and give: plain data, no SDK types. The domain's BackupStore port
// (src/domain/ports.ts) is written in these terms; infra may not import the domain.
import type { Readable } from 'node:stream';

/** Where a backup destination keeps objects: a local directory or an S3-compatible bucket. */
export type BackupDestination =
  | { kind: 'local'; /** absolute directory */ dir: string }
  | { kind: 's3'; endpoint: string; bucket: string; region: string; prefix: string; accessKeyId: string; secretAccessKey: string };

/** One stored object. */
export interface StoredObject {
  key: string;
  bytes: number;
}

/**
 * Backup objects at one destination. Keys are relative ('owner/addon/name/…'), '/' separated.
 * put streams the body (never buffers it whole), and leaves nothing under `key` when it fails.
 */
export interface BackupStore {
  put(key: string, body: Readable, signal?: AbortSignal): Promise<{ bytes: number }>;
  /** NotFound when there is no such object. */
  get(key: string): Promise<Readable>;
  /** A missing object is fine. */
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes what puts a crash interrupted (a local directory's .partial files); how many. Absent where a failed put leaves nothing (S3 aborts its upload). */
  removePartials?(): Promise<number>;
}

/** Why an address may not be connected to, or null when it may (the caller's policy: domain/notify/url-policy.ts). */
export type RefuseAddress = (ip: string) => string | null;
