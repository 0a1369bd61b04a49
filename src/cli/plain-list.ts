// Recognises a plain `destconfig list` command line, which src/cli/main.ts runs without loading commander.
// Imported by main.ts only, so the bundle keeps it inside the entry file (no chunk of its own).

export interface PlainList {
  home?: string;
  json: boolean;
}

/** The options of a plain `list` command line, or null when it is anything else (commander handles it). */
export function plainList(args: readonly string[]): PlainList | null {
  let seenList = false;
  let home: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'list' && !seenList) seenList = true;
    else if (a === '--json' && seenList && !json) json = true;
    else if (a === '--no-color') continue;
    else if (home === undefined && a === '--home' && i + 1 < args.length && !(args[i + 1] as string).startsWith('-') && args[i + 1] !== '') home = args[++i];
    else if (home === undefined && a.startsWith('--home=') && a.length > '--home='.length) home = a.slice('--home='.length);
    else return null;
  }
  return seenList ? { home, json } : null;
}
