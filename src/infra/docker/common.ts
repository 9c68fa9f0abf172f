// What the Docker modules share: the engine connection and the engine's error codes.
import Docker from 'dockerode';

export type { Docker };

/** One connection to the engine, shared by images, containers, streams and networks. */
export const connect = (socketPath: string): Docker => new Docker({ socketPath });

/** An image's tags without Docker's `<none>:<none>` placeholder. */
export const realTags = (tags: string[] | undefined): string[] => (tags ?? []).filter((t) => t !== '<none>:<none>');
export const isNotFound = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 404;
export const isNotModified = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 304;
