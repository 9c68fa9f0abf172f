// What the edge Caddy knows about certificates, read from the files it keeps: the certificate
// of a host in its storage (<storage>/certificates/<issuer>/<host>/<host>.crt), and the ACME
// failures it logs (one JSON object per line in its log, which Berth reads as it grows).
import { X509Certificate } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateInfo {
  host: string;
  /** The issuing CA's name, e.g. "Pebble Intermediate CA 1a2b3c" or "Caddy Local Authority - ECC Intermediate". */
  issuer: string;
  /** ISO time the certificate stops being valid. */
  notAfter: string;
}

export interface CertificateFailure {
  host: string;
  /** What the CA or the challenge said, e.g. "Failed to connect to 127.0.0.2:443 for the tls-alpn-01 challenge". */
  error: string;
  /** ISO time of the log line. */
  at: string;
}

/** The CN (else O) of an X.509 distinguished name as Node prints it ("C=US\nO=…\nCN=…"). */
function commonName(dn: string): string {
  const parts = Object.fromEntries(dn.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return parts.CN ?? parts.O ?? dn.replaceAll('\n', ', ');
}

/** The certificate the edge holds for `host`, from any issuer (the one valid longest), or null. */
export function storedCertificate(storageDir: string, host: string): CertificateInfo | null {
  const root = join(storageDir, 'certificates');
  let best: CertificateInfo | null = null;
  let issuers: string[];
  try {
    issuers = readdirSync(root);
  } catch {
    return null;
  }
  for (const issuer of issuers) {
    try {
      const cert = new X509Certificate(readFileSync(join(root, issuer, host, `${host}.crt`)));
      const info = { host, issuer: commonName(cert.issuer), notAfter: new Date(cert.validTo).toISOString() };
      if (!best || info.notAfter > best.notAfter) best = info;
    } catch {
      /* no certificate from this issuer */
    }
  }
  return best;
}

interface LogLine {
  ts?: number;
  level?: string;
  logger?: string;
  msg?: string;
  identifier?: string;
  error?: string;
}

/**
 * Reads the ACME failures the edge logs from where the last call stopped. Starts at the log's
 * end: failures from before this Berth started were told by the one before it. A challenge's
 * own error ("challenge failed") is clearer than the issuer's summary, so it is kept per host
 * and told with the failure that follows it.
 */
export class FailureLog {
  private offset: number;
  private partial = '';
  private readonly challengeErrors = new Map<string, string>();

  constructor(private readonly file: string) {
    this.offset = this.size();
  }

  private size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  read(): CertificateFailure[] {
    const size = this.size();
    if (size < this.offset) this.offset = 0; // the log was replaced
    if (size === this.offset) return [];
    const fd = openSync(this.file, 'r');
    let text: string;
    try {
      const length = Math.min(size - this.offset, 8 * 1024 * 1024);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, this.offset);
      this.offset += length;
      text = this.partial + buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out: CertificateFailure[] = [];
    for (const raw of lines) {
      if (!raw.includes('"level":"error"')) continue;
      let l: LogLine;
      try {
        l = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      if (!l.identifier || !l.error) continue;
      if (l.logger === 'http.acme_client' && l.msg === 'challenge failed') this.challengeErrors.set(l.identifier, l.error);
      if (l.logger === 'tls.obtain' && l.msg === 'could not get certificate from issuer') {
        const error = this.challengeErrors.get(l.identifier) ?? l.error;
        this.challengeErrors.delete(l.identifier);
        out.push({ host: l.identifier, error: error.slice(0, 500), at: new Date((l.ts ?? Date.now() / 1000) * 1000).toISOString() });
      }
    }
    return out;
  }
}
