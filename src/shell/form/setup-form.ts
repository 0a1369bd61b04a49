// SETUP as a form (`--ui form`): the global settings of reference §5.8 — the certificate for outbound TLS,
// the alert on a failed required-TLS connection, and DANE support (which adds the DANE question to NEW,
// EDIT and DEFAULT).
import type { OpContext } from '../destconfig/context.js';
import type { Widgets } from './widgets.js';

export async function setupForm(ctx: OpContext, w: Widgets): Promise<void> {
  const { table } = ctx;
  const g = table.globals;
  const certs = ['Demo', ...table.certificates.map((c) => c.name).filter((n) => n !== 'Demo')];
  const certificate = await w.choose(
    'Certificate for outbound TLS connections',
    certs.map((name) => ({ name, value: name, ...(name === 'Demo' ? { description: 'The bundled demonstration certificate.' } : {}) })),
    certs.includes(g.certificate) ? g.certificate : 'Demo',
  );
  const alertOnRequiredTlsFailure = await w.yesNo('Send an alert when a required TLS connection fails?', g.alertOnRequiredTlsFailure);
  const daneEnabled = await w.yesNo('Enable DANE support for outbound delivery?', g.daneEnabled);
  table.globals = { ...g, certificate, alertOnRequiredTlsFailure, daneEnabled };
  ctx.p.print();
  ctx.p.print(`Certificate: ${certificate}; alert on required TLS failure: ${alertOnRequiredTlsFailure ? 'Yes' : 'No'}; DANE support: ${daneEnabled ? 'Enabled' : 'Disabled'}.`);
  ctx.p.print('(pending until "commit" at the main prompt)');
}
