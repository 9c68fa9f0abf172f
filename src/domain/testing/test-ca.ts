// A throwaway CA and a server certificate signed by it, made with openssl, for tests that talk
// https to a server they start themselves (unit and e2e tests; not used by Berth itself).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TestCa {
  /** The CA's root, PEM. */
  caFile: string;
  /** The server's certificate and key, PEM. */
  certFile: string;
  keyFile: string;
}

/** Writes ca.pem, server.pem and server.key into `dir`; the server certificate names `altNames` (e.g. IP:127.0.0.1). */
export async function makeTestCa(dir: string, altNames: string[] = ['IP:127.0.0.1', 'DNS:localhost']): Promise<TestCa> {
  const f = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await exec('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=berthtest CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await exec('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=berthtest server']);
  writeFileSync(f('server.ext'), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await exec('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext')]);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}
