// What the domain needs of the world, as small interfaces it owns. main.ts passes the
// implementations (today: the local Docker Engine, split by noun in src/infra/docker/, and the
// edge proxy); unit tests pass in-memory fakes (src/domain/testing/). A multi-machine
// scheduler (Docker Swarm) is one more implementation of Scheduler, ImageStore and Networks.
import type { BuildParams, ContainerEvent, ContainerInfo, ContainerSpec, ContainerStats, ImageInfo, LogStreamParams, PipedIo, PipedRun, VolumeInfo, VolumeMount } from '../infra/docker/types.js';
import type { Readable } from 'node:stream';
import type { BackupDestination, BackupStore, StoredObject } from '../infra/backup-store/types.js';
import type { CertificateFailure, CertificateInfo } from '../infra/proxy/certificates.js';
import type { RoutedApp } from '../infra/proxy/router-table.js';

/** Backup objects at one destination (a local directory or an S3-compatible bucket): infra/backup-store. */
export type { BackupDestination, BackupStore, StoredObject };
export type { BuildParams, CertificateFailure, CertificateInfo, ContainerEvent, ContainerInfo, ContainerSpec, ContainerStats, ImageInfo, LogStreamParams, PipedIo, PipedRun, RoutedApp, VolumeInfo, VolumeMount };

/** Runs a release's process instances and one-off commands, and reports their state and addresses. */
export interface Scheduler {
  /** Throws Unavailable with a hint when the engine does not answer. */
  ping(): Promise<void>;
  /** Creates and starts an unprivileged, limited container; returns its id. */
  run(spec: ContainerSpec): Promise<string>;
  /** Runs a one-off container to its end, streaming its output; the exit code. Removed after. */
  runOnce(spec: ContainerSpec, onLine: (line: string) => void, timeoutMs: number, signal?: AbortSignal): Promise<number>;
  /**
   * Runs a one-off whose stdin/stdout are byte streams (backups): nothing logged, backpressure
   * kept end to end. Killed on abort or after timeoutMs; removed when it ends.
   */
  runPiped(spec: ContainerSpec, io: PipedIo): Promise<PipedRun>;
  /** State, address (ip) and labels; null when there is no such container. */
  inspect(id: string): Promise<ContainerInfo | null>;
  /** Every container (running or not) carrying all the given labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerInfo[]>;
  /** State and labels of every container carrying the labels, in one question however many. */
  containerStates(labels: Record<string, string>): Promise<Map<string, { state: string; labels: Record<string, string> }>>;
  start(id: string): Promise<void>;
  /** Stops (SIGTERM, then SIGKILL after timeoutSec) and starts it again: the same container, a new process. */
  restart(id: string, timeoutSec?: number): Promise<void>;
  /** Stops (SIGTERM, then SIGKILL after timeoutSec) and removes; a missing one is fine. */
  remove(id: string, timeoutSec?: number): Promise<void>;
  stats(id: string): Promise<ContainerStats | null>;
  /**
   * Named volumes, placed where the containers that mount them run (ContainerSpec.mounts).
   * ensureVolume creates one unless it exists and says whether it did.
   */
  ensureVolume(name: string, labels: Record<string, string>): Promise<boolean>;
  /** Removes a volume and its data; a missing one is fine, one still mounted is a Conflict. */
  removeVolume(name: string): Promise<void>;
  /** Every volume carrying all the given labels. */
  listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]>;
}

/** Where release images are built, kept and removed. */
export interface ImageStore {
  build(p: BuildParams): Promise<void>;
  importImage(rootfsTar: Readable, repo: string, tag: string, changes?: string[]): Promise<void>;
  image(ref: string): Promise<ImageInfo | null>;
  pull(ref: string): Promise<void>;
  listImages(reference: string): Promise<ImageInfo[]>;
  untaggedDescendants(ids: string[]): Promise<string[]>;
  tagImage(ref: string, repo: string, tag: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
}

/** What the processes print, and what happens to them. */
export interface LogStreams {
  followEvents(labels: Record<string, string>, onEvent: (e: ContainerEvent) => void, signal: AbortSignal, onReconnect?: () => void): Promise<void>;
  /** The exit code of the container's last run that ended within `withinSec`; null when none did. */
  lastExitCode(id: string, withinSec: number): Promise<number | null>;
  tailLogs(id: string, tail: number): Promise<string[]>;
  streamLogs(id: string, p: LogStreamParams, signal?: AbortSignal): Promise<void>;
}

/** The private networks an owner's processes share. */
export interface Networks {
  ensureNetwork(name: string, labels: Record<string, string>, subnetPool?: string): Promise<void>;
  removeNetwork(name: string): Promise<void>;
}

/**
 * Puts a whole route table in force in one change (built inside its queue, from the state at
 * that moment); resolves once the edge certainly serves by it.
 */
export interface RouteApplier {
  apply(build: () => Promise<RoutedApp[]>): Promise<void>;
}

/** What the edge knows about certificates, and how to make it stop asking a CA for a host for a while. */
export interface EdgeCertificates {
  /** The certificate the edge holds for a host, or null. */
  certificate(host: string): CertificateInfo | null;
  /** ACME failures the edge reported since the last call. */
  failures(): CertificateFailure[];
  /** No certificate is asked for `host` until `untilMs` (epoch ms). */
  backOff(host: string, untilMs: number): Promise<void>;
}

