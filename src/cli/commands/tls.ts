// `berth tls ca`: the root certificate of Berth's internal CA (BERTH_TLS=internal), to add to a
// laptop's trust store or give to `berth login --ca-file` and git.
import type { Command } from 'commander';
import type { InternalCaView } from '../../domain/tls/internal-ca.js';
import type { CliContext } from '../context.js';
import type { HostCertificate } from '../../domain/tls/tls-status.js';
import { certificateTable } from '../certificates.js';

export function registerTls(program: Command, ctx: CliContext): void {
  const tls = program.command('tls').description("Berth's certificates");
  tls
    .command('status')
    .description('every host of your apps with its certificate: issuer, expiry, and the last error if the CA refused it')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await ctx.client().request<HostCertificate[]>('GET', '/api/v1/tls/status');
      ctx.out(o.json ? JSON.stringify(rows, null, 2) : certificateTable(rows));
    });
  tls
    .command('ca')
    .description("print the root certificate of Berth's internal CA (PEM): save it, then `berth login URL --ca-file FILE`")
    .option('--json', 'print JSON (pem, subject, notAfter, fingerprint256)')
    .action(async (o: { json?: boolean }) => {
      const ca = await ctx.client().request<InternalCaView>('GET', '/api/v1/tls/ca');
      if (o.json) return ctx.out(JSON.stringify(ca, null, 2));
      ctx.out(ca.pem.trimEnd());
      ctx.err(`${ca.subject.replace(/\n/g, ', ')}; valid until ${ca.notAfter}; SHA-256 ${ca.fingerprint256}`);
    });
}
