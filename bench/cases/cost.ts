// Case 5, delivery cost per message: our client's CPU time and peak RSS per 1,000 messages at 2,000 and
// at 20,000 messages (same domains, concurrency and messages per connection), against the raw sink so
// the sink is not the bottleneck. Neither figure should grow with the batch.
import { runClient, withSink } from './delivery.js';
import type { Report } from '../lib/report.js';
import { round } from '../lib/stats.js';
import type { Workload } from '../lib/workload.js';
import type { ClientRun } from '../workers/client.js';

export async function benchCost(report: Report, opts: { sizes: number[]; base: Omit<Workload, 'messages'> }): Promise<void> {
  const results: Record<string, unknown> = { workload: opts.base };
  const perThousand: number[] = [];
  await withSink('raw', opts.base.domains, async (target) => {
    for (const messages of opts.sizes) {
      const run: ClientRun = await runClient('destconfig', { ...opts.base, messages }, target);
      if (run.delivered !== messages) throw new Error(`${run.delivered}/${messages} delivered: ${run.errors.join('; ')}`);
      const cpuPer1000 = (run.cpuMs / messages) * 1000;
      const growthMb = run.maxRssMb - run.baseRssMb;
      perThousand.push(cpuPer1000);
      results[messages] = {
        cpuMsPer1000: round(cpuPer1000, 1),
        maxRssMb: round(run.maxRssMb, 1),
        rssGrowthMb: round(growthMb, 1),
        rssGrowthKbPer1000: round(((growthMb * 1024) / messages) * 1000, 1),
        msgsPerSec: Math.round((messages / run.elapsedMs) * 1000),
      };
      report.row('cost', `${messages.toLocaleString('en')} msgs: CPU ms/1,000; peak MB`, `${cpuPer1000.toFixed(0)}; ${run.maxRssMb.toFixed(0)}`);
    }
  });
  if (perThousand.length === 2) {
    const growth = perThousand[1]! / perThousand[0]!;
    results.cpuPerMessageGrowth = round(growth);
    report.row('cost', `CPU/msg at ${opts.sizes[1]!.toLocaleString('en')} vs ${opts.sizes[0]!.toLocaleString('en')}`, `${growth.toFixed(2)}×`, '≈1× (flat)', growth <= 1.25);
  }
  report.results.cost = results;
}
