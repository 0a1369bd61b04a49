// SETUP: the global settings (reference §5.8): the certificate for all outbound TLS, the alert when a
// required TLS connection fails, and, beyond the seed's appliance, whether DANE support is enabled (NEW,
// EDIT and DEFAULT ask the DANE questions only when it is).
import { askChoice, askYesNo } from '../ask.js';
import type { OpContext } from './context.js';

export async function setupGlobals(ctx: OpContext): Promise<void> {
  const { p, table } = ctx;
  const g = table.globals;
  const certs = ['Demo', ...table.certificates.map((c) => c.name).filter((n) => n !== 'Demo')];
  const i = await askChoice(p, 'Please choose the certificate to use for outbound TLS connections:', certs, Math.max(0, certs.indexOf(g.certificate)));
  const certificate = certs[i] ?? g.certificate;
  const alertOnRequiredTlsFailure = await askYesNo(p, 'Do you want to send an alert when a required TLS connection fails?', g.alertOnRequiredTlsFailure);
  const daneEnabled = await askYesNo(p, 'Do you want to enable DANE support for outbound delivery?', g.daneEnabled);
  table.globals = { ...g, certificate, alertOnRequiredTlsFailure, daneEnabled };
}
