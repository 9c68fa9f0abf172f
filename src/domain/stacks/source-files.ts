// What stack detection reads of an app's source: files by path relative to the app root.
export interface SourceFiles {
  /** The text of a file relative to the app root, or null when there is none. */
  read(path: string): string | null;
  /** Whether the file is there, without reading it (lock files can be large). */
  has(path: string): boolean;
  /** The names of the regular files at the app root. */
  list(): string[];
}
