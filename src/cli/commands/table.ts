// Scriptable table commands: list, detail, import, export, lookup (issue 3). Owned by the table-files work.
import type { Command } from 'commander';

export function registerTableCommands(_program: Command): void {
  // list, detail, import, export, lookup are registered here.
}
