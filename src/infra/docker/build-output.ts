// Reading the classic builder's output: JSON messages, one a line, whose `stream` text is cut
// into lines here with bounded buffers (a build printing without newlines cannot fill memory).

/** Longest build output line kept; the rest of it is dropped. */
export const MAX_LINE = 8 * 1024;
/** Longest JSON message read from the engine; a longer one is skipped. */
const MAX_MESSAGE = 1024 * 1024;
/** At most this many intermediate containers and images are remembered for the cleanup. */
const MAX_TRACKED = 64;

export interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Cuts a byte stream into newline-separated pieces, skipping any longer than `max`. */
export class JsonLines {
  private buf = '';
  private skipping = false;

  constructor(
    private readonly onMessage: (m: BuildMessage) => void,
    private readonly max = MAX_MESSAGE,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, i);
      start = i + 1;
      if (this.skipping) {
        this.skipping = false;
        this.buf = '';
        continue;
      }
      const line = (this.buf + piece).trim();
      this.buf = '';
      if (line) this.parse(line);
    }
    if (this.skipping) return;
    this.buf += chunk.slice(start);
    if (this.buf.length > this.max) {
      this.buf = '';
      this.skipping = true;
    }
  }

  private parse(line: string): void {
    try {
      this.onMessage(JSON.parse(line) as BuildMessage);
    } catch {
      // Not a message (the engine never sends such): nothing to show.
    }
  }
}

/**
 * Joins the builder's `stream` pieces into whole lines, each at most MAX_LINE characters, and
 * notes the intermediate containers (` ---> Running in <id>`) and step images (` ---> <id>`)
 * the output names. That output mixes the builder's words with the build's own, so what it
 * names is only a candidate: the caller checks each before it removes anything.
 */
export class BuildLines {
  private partial = '';
  private cut = false;
  readonly containers: string[] = [];
  readonly images: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    let start = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
      this.add(text.slice(start, i));
      this.emit();
      start = i + 1;
    }
    this.add(text.slice(start));
  }

  /** Emits what is left of an unfinished last line. */
  end(): void {
    if (this.partial || this.cut) this.emit();
  }

  private add(piece: string): void {
    if (this.cut) return;
    const room = MAX_LINE - this.partial.length;
    if (piece.length > room) {
      this.partial += piece.slice(0, room);
      this.cut = true;
    } else this.partial += piece;
  }

  private emit(): void {
    const line = this.partial.replace(/\r$/, '');
    const wasCut = this.cut;
    this.partial = '';
    this.cut = false;
    this.note(line);
    this.onLine(wasCut ? `${line} [line cut at ${MAX_LINE} characters]` : line);
  }

  private note(line: string): void {
    const running = /^ ---> Running in ([0-9a-f]{12})$/.exec(line);
    if (running) remember(this.containers, running[1]!);
    const image = /^ ---> ([0-9a-f]{12})$/.exec(line);
    if (image) remember(this.images, image[1]!);
  }
}

function remember(list: string[], id: string): void {
  if (list.includes(id)) return;
  list.push(id);
  if (list.length > MAX_TRACKED) list.shift();
}

/**
 * Terminal control in build output: ESC sequences (CSI such as the builder's red `ESC[91m` around
 * a step's stderr, OSC/DCS strings up to BEL or ST, two-character ones), their 8-bit forms, and
 * any other control character but tab. Stored logs are read in files, CI and the dashboard.
 */
const ESCAPES = new RegExp(
  [
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?',
    '(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c\\n]*(?:\\x07|\\x1b\\\\|\\x9c)?',
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
    '[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f]',
  ].join('|'),
  'g',
);

/** `line` without escape sequences and control characters (tab kept). Pure. */
export function stripEscapes(line: string): string {
  return line.replace(ESCAPES, '');
}

const STEP = /^Step \d+\/\d+ : /;
const USING_CACHE = /^ ---> Using cache$/;
const STEP_RESULT = /^ ---> [0-9a-f]{12,64}$/;

/**
 * The build log as a person reads it: no escape sequences, no blank lines, and a step the
 * builder took from its cache as one line (`Step 3/7 : RUN npm ci (cached)`) instead of the
 * builder's bookkeeping. A step that runs keeps its output and the builder's lines about it.
 * Feed it raw builder lines with push(); call end() when the build is over.
 */
export class BuildLogCleaner {
  private held: string | undefined;
  private cached = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(raw: string): void {
    const line = stripEscapes(raw).trimEnd();
    if (line.trim() === '') return;
    if (STEP.test(line)) {
      this.flush();
      this.held = line;
      this.cached = false;
      return;
    }
    if (this.held !== undefined && USING_CACHE.test(line)) {
      this.onLine(`${this.held} (cached)`);
      this.held = undefined;
      this.cached = true;
      return;
    }
    // The image id a cached (or FROM) step ends with tells a reader nothing.
    if (STEP_RESULT.test(line) && (this.cached || this.held !== undefined)) {
      this.flush();
      this.cached = false;
      return;
    }
    this.flush();
    this.cached = false;
    this.onLine(line);
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (this.held !== undefined) this.onLine(this.held);
    this.held = undefined;
  }
}
