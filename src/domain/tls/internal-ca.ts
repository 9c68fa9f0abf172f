// The root certificate of Caddy's internal CA (BERTH_TLS=internal), which users add to their
// trust stores: `berth tls ca`. Caddy writes it into Berth's data directory on first use; this reads it there.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { NotFound } from '../../errors.js';

export interface InternalCaView {
  /** The root certificate, PEM. */
  pem: string;
  subject: string;
  notAfter: string;
  /** SHA-256 fingerprint, to compare out of band with what a laptop received. */
  fingerprint256: string;
}

/** Where Caddy keeps the internal CA's root in its storage (`<dataDir>/caddy`). */
export const internalCaRootPath = (config: Pick<Config, 'dataDir'>): string => join(config.dataDir, 'caddy', 'pki', 'authorities', 'local', 'root.crt');

/** The internal CA's root; NotFound when Berth does not use it, or Caddy has not made it yet. */
export function internalCaRoot(config: Pick<Config, 'dataDir' | 'tls'>): InternalCaView {
  if (config.tls !== 'internal') {
    throw NotFound(`Berth does not use its internal CA (BERTH_TLS=${config.tls})`, {
      hint: config.tls === 'acme' ? 'its certificates come from an ACME CA that browsers and the CLI already trust' : 'set BERTH_TLS=internal for https with certificates of its own CA',
    });
  }
  let pem: string;
  try {
    pem = readFileSync(internalCaRootPath(config), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw NotFound('the internal CA has no root certificate yet', { hint: 'the edge makes it when it starts serving https: retry in a moment' });
  }
  const cert = new X509Certificate(pem);
  return { pem, subject: cert.subject, notAfter: new Date(cert.validTo).toISOString(), fingerprint256: cert.fingerprint256 };
}
