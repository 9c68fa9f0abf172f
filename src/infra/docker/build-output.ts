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
