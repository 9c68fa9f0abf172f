// The CLI's HTTP client for the Berth API: JSON requests, error bodies turned back into
// BerthErrors, and Server-Sent Event streams.
import { BerthError, Unavailable, type ErrorCode } from '../errors.js';

export interface RequestOptions {
  json?: unknown;
  body?: Blob | Uint8Array | string;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  private url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private async send(method: string, path: string, o: RequestOptions = {}, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    let body: Blob | Uint8Array | string | undefined;
    if (o.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.body !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/octet-stream';
      body = o.body;
    }
    let res: Response;
    try {
      res = await fetch(this.url(path, o.query), { method, headers, body: body ?? null });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw Unavailable(`cannot reach the Berth server at ${this.baseUrl} (${cause})`, { hint: 'start it with `berth server`, or set BERTH_URL' });
    }
    if (!res.ok) {
      const text = await res.text();
      let err: { code?: string; message?: string; hint?: string } | undefined;
      try {
        err = (JSON.parse(text) as { error?: typeof err }).error;
      } catch {
        err = undefined;
      }
      const code = (err?.code ?? (res.status >= 500 ? 'unavailable' : 'invalid')) as ErrorCode;
      throw new BerthError(code in STATUS_OF ? code : res.status >= 500 ? 'unavailable' : 'invalid', err?.message ?? `the server answered ${res.status}`, err?.hint ? { hint: err.hint } : {});
    }
    return res;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, o);
    return (await res.json()) as T;
  }

  /** Reads an SSE stream, calling onEvent for each event, until the server ends it. */
  async stream(path: string, query: RequestOptions['query'], onEvent: (e: SseEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.send('GET', path, { query }, 'text/event-stream');
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    const reader = res.body.getReader();
    signal?.addEventListener('abort', () => void reader.cancel());
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) onEvent({ event, data: JSON.parse(data.join('\n')) as unknown });
      }
    }
  }
}

const STATUS_OF: Record<ErrorCode, true> = { not_found: true, invalid: true, conflict: true, forbidden: true, unauthorized: true, unavailable: true, failed: true };
