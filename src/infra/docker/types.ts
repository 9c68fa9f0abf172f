// What Berth's Docker modules take and give: plain data, no dockerode types. The domain's
// ports (src/domain/ports.ts) are written in these terms.
import type { Readable } from 'node:stream';

export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  network: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** Capabilities added back after dropping all (only those an admin granted). */
  capAdd?: string[];
  cmd?: string[];
  /** Long-running processes restart unless stopped; one-off commands never do. */
  restart?: 'unless-stopped' | 'no';
  /** Named volumes mounted into the container (each made first with ensureVolume). */
  mounts?: VolumeMount[];
  /** 'none' for one-offs whose output is data (backups): dockerd keeps no copy of it. Default json-file. */
  logDriver?: 'json-file' | 'none';
}

/** What a piped one-off reads and how long it may take (Scheduler.runPiped). */
export interface PipedIo {
  /** Becomes the container's stdin; its end is the container's EOF. */
  stdin?: Readable;
  signal?: AbortSignal;
  timeoutMs: number;
}

/** A running piped one-off: its stdout as bytes (with backpressure), and its end. */
export interface PipedRun {
  stdout: Readable;
  /** The exit code and the last 16 KiB of stderr, once the container ended; it is removed by then. */
  done: Promise<{ code: number; stderr: string }>;
}

/** A named volume at an absolute path inside the container. */
export interface VolumeMount {
  volume: string;
  target: string;
  readOnly?: boolean;
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  createdAt: string;
}

export interface ContainerEvent {
  /** die, start, oom, ... */
  action: string;
  id: string;
  labels: Record<string, string>;
  exitCode: number | null;
}

export interface ContainerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  /** created | running | restarting | exited | paused | dead | removing */
  state: string;
  exitCode: number;
  restartCount: number;
  ip: string | null;
  labels: Record<string, string>;
  image: string;
  startedAt: string;
  error: string;
  /** The kernel killed its last run for going over its memory limit. */
  oomKilled: boolean;
  /** Its memory limit in bytes; 0 when it has none. */
  memoryLimitBytes: number;
}

export interface ImageInfo {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  exposedPorts: number[];
  /** ONBUILD triggers: instructions that run in any build starting FROM this image. */
  onBuild?: string[];
  createdAt?: string;
}

export interface BuildParams {
  contextDir: string;
  tag: string;
  labels: Record<string, string>;
  buildArgs?: Record<string, string>;
  onLog: (line: string) => void;
  /** Limits of each build step's container and of the whole build (none: Berth's own base images). */
  limits?: BuildLimits;
}

export interface BuildLimits {
  timeoutSeconds: number;
  memoryMb: number;
  cpus: number;
  /**
   * Processes all of a build's steps may run at once: a parent cgroup's pids.max (see
   * build-cgroups.ts), and the nproc ulimit for steps that run as another user.
   */
  processes: number;
}

export interface LogStreamParams {
  follow: boolean;
  tail: number;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Each line starts with Docker's RFC 3339 timestamp and a space. */
  timestamps?: boolean;
  /** Only lines from this Unix time (seconds) on. */
  since?: number;
}
