// The backup store for a destination: a local directory or an S3-compatible bucket. The caller
// passes the address policy (domain/notify/url-policy.ts addressRefusal) that S3 endpoints obey.
import { LocalBackupStore } from './local.js';
import { S3BackupStore } from './s3.js';
import type { BackupDestination, BackupStore, RefuseAddress } from './types.js';

export type { BackupDestination, BackupStore, RefuseAddress, StoredObject } from './types.js';
export { LocalBackupStore } from './local.js';
export { S3BackupStore } from './s3.js';

/** The store behind `d`; `refuseAddress` says why an S3 endpoint's address may not be connected to, or null. */
export function backupStoreFor(d: BackupDestination, o: { refuseAddress: RefuseAddress }): BackupStore {
  if (d.kind === 'local') return new LocalBackupStore(d.dir);
  return new S3BackupStore({ ...d, refuseAddress: o.refuseAddress });
}
