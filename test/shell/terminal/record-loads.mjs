// `node --import` helper for tests: records the URL of every ES module the process loads into the file
// named by $LOAD_LOG (one URL a line), through a module loader hook.
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url);
