// The form mode (`--ui form`, issue 7): NEW, EDIT, DEFAULT and SETUP run as inquirer forms, then the ESA menu
// comes back. The session readline is closed for the form and reopened after it (Prompter.withTerminalReleased;
// reference node-ecosystem.md §2), and the CLI refuses --ui form when stdin or stdout is not a terminal.
// This module is light: the forms and inquirer load with `await import()` when a form opens.
import type { OpContext, Operation } from '../destconfig/context.js';
import { Interrupted } from '../errors.js';
import type { Widgets } from './widgets.js';

type Form = (ctx: OpContext, w: Widgets) => Promise<void>;

/** inquirer ends a prompt with ExitPromptError on Ctrl-C; the menu treats it as the ESA dialogue's Ctrl-C. */
function isFormExit(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

function viaForm(load: () => Promise<Form>): Operation {
  return async (ctx) => {
    const [form, { loadWidgets }] = await Promise.all([load(), import('./widgets.js')]);
    const w = await loadWidgets(ctx.p.colour);
    try {
      await ctx.p.withTerminalReleased(() => form(ctx, w));
    } catch (err) {
      if (isFormExit(err)) throw new Interrupted();
      throw err;
    }
  };
}

/** The operations that have a form; the others keep the ESA dialogue in form mode. */
export const FORM_OPERATIONS: Readonly<Record<string, Operation>> = {
  NEW: viaForm(async () => (await import('./entry-form.js')).newEntryForm),
  EDIT: viaForm(async () => (await import('./entry-form.js')).editEntryForm),
  DEFAULT: viaForm(async () => (await import('./default-form.js')).defaultForm),
  SETUP: viaForm(async () => (await import('./setup-form.js')).setupForm),
};
