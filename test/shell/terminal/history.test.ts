// Line history across sessions: the file (bounded, 0600, appended line by line, trimmed atomically), what
// the prompt layer keeps, and recall with the Up arrow, also after a form closed and reopened the readline.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { worthRecalling } from '../../../src/shell/complete.js';
import { HistoryFile } from '../../../src/shell/history.js';
import { fakeTerminal, settle, UP } from './streams.js';

const home = (): string => mkdtempSync(path.join(os.tmpdir(), 'destconfig-history-'));
const lines = (h: string): string[] => readFileSync(path.join(h, 'history'), 'utf8').split('\n').filter(Boolean);
const mode = (file: string): number => statSync(file).mode & 0o777;

describe('HistoryFile', () => {
  it('starts empty, appends each new line with mode 0600, and loads newest first', () => {
    const h = home();
    const f = new HistoryFile(h);
    expect(f.load()).toEqual([]);
    expect(existsSync(f.file)).toBe(false);
    f.record(['destconfig']);
    f.record(['new', 'destconfig']);
    f.record(['new', 'destconfig']); // readline repeats the event for a line equal to the newest: not appended again
    f.record(['list', 'new', 'destconfig']);
    expect(lines(h)).toEqual(['destconfig', 'new', 'list']);
    expect(mode(f.file)).toBe(0o600);
    expect(new HistoryFile(h).load()).toEqual(['list', 'new', 'destconfig']);
  });

  it('creates a missing home folder (0700) for the first line', () => {
    const h = path.join(home(), 'not', 'yet');
    new HistoryFile(h).record(['quit']);
    expect(lines(h)).toEqual(['quit']);
    expect(mode(h)).toBe(0o700);
  });

  it('keeps at most the bound: the newest lines, rewritten without leaving a temporary file', () => {
    const h = home();
    const f = new HistoryFile(h, 5);
    f.load();
    for (let i = 1; i <= 8; i++) f.record([`cmd${i}`]);
    expect(lines(h)).toEqual(['cmd4', 'cmd5', 'cmd6', 'cmd7', 'cmd8']);
    expect(readdirSync(h)).toEqual(['history']);

    writeFileSync(path.join(h, 'history'), Array.from({ length: 12 }, (_v, i) => `old${i}\n`).join(''), { mode: 0o600 });
    expect(new HistoryFile(h, 5).load()).toEqual(['old11', 'old10', 'old9', 'old8', 'old7']);
    expect(lines(h)).toEqual(['old7', 'old8', 'old9', 'old10', 'old11']);
    expect(readdirSync(h)).toEqual(['history']);
  });

  it('narrows a history file that others could read to 0600', () => {
    const h = home();
    writeFileSync(path.join(h, 'history'), 'list\n');
    chmodSync(path.join(h, 'history'), 0o644);
    const f = new HistoryFile(h);
    expect(f.load()).toEqual(['list']);
    f.record(['commit', 'list']);
    expect(mode(f.file)).toBe(0o600);
    expect(lines(h)).toEqual(['list', 'commit']);
  });

  it('skips blank and over-long lines in the file', () => {
    const h = home();
    writeFileSync(path.join(h, 'history'), `list\n\n   \n${'x'.repeat(5000)}\ncommit\n`);
    expect(new HistoryFile(h).load()).toEqual(['commit', 'list']);
  });

  it('reports a history it cannot keep once, and goes on', () => {
    const h = home();
    const notAFolder = path.join(h, 'file');
    writeFileSync(notAFolder, '');
    const reports: string[] = [];
    const f = new HistoryFile(notAFolder, 1000, (m) => reports.push(m));
    expect(f.load()).toEqual([]);
    f.record(['destconfig']);
    f.record(['new', 'destconfig']);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(path.join(notAFolder, 'history'));
    expect(reports[0]).toContain('history is not kept');
  });
});

describe('history in the prompt layer', () => {
  const commands = ['destconfig', 'commit', 'quit'];
  /** Up twice, then Enter, at an `ESA> ` prompt: the second newest line of the history. */
  const recallSecond = async (t: ReturnType<typeof fakeTerminal>): Promise<string> => {
    const answer = t.p.ask('ESA> ', commands);
    t.type(UP);
    await settle();
    t.type(UP + '\r');
    return answer;
  };

  it('keeps the lines typed where Tab completes, not plain answers, and recalls them with Up', async () => {
    const recorded: string[][] = [];
    const t = fakeTerminal({ history: ['commit'], historySize: 1000, keepInHistory: worthRecalling, onHistory: (hist) => recorded.push([...hist]) });
    const first = t.p.ask('ESA> ', commands);
    t.type('destconfig\r');
    expect(await first).toBe('destconfig');
    const yesNo = t.p.ask('Question? [N]> ', ['Y', 'N']);
    t.type('y\r');
    expect(await yesNo).toBe('y');
    expect(recorded).toEqual([['destconfig', 'commit']]);

    // Up recalls the newest kept line; once more, the line from an earlier session.
    expect(await recallSecond(t)).toBe('commit');
    t.p.close();
  });

  it('judges a line typed ahead (a paste) by the question that takes it, not by the one on screen when it was typed', async () => {
    // docs/shell-terminal.md: yes/no answers and commit comments are not kept. Pasted lines reach readline
    // before their questions are asked; they used to be judged by the question then on screen, so the
    // answer after a command (`N`) and a commit comment landed in <home>/history.
    const recorded: string[][] = [];
    const t = fakeTerminal({ history: [], historySize: 1000, keepInHistory: worthRecalling, onHistory: (hist) => recorded.push([...hist]) });
    const first = t.p.ask('ESA> ', commands);
    t.type('commit\rmy secret comment\rN\rquit\r');
    expect(await first).toBe('commit');
    expect(await t.p.ask('[]> ')).toBe('my secret comment');
    expect(await t.p.ask('Question? [N]> ', ['Y', 'N'])).toBe('N');
    expect(await t.p.ask('ESA> ', commands)).toBe('quit');
    expect(recorded.at(-1)).toEqual(['quit', 'commit']);
    // Up recalls only the kept lines, newest first.
    expect(await recallSecond(t)).toBe('commit');
    t.p.close();
  });

  it('keeps the history when a form closes and reopens the session readline', async () => {
    const t = fakeTerminal({ history: [], historySize: 1000 });
    const first = t.p.ask('ESA> ', commands);
    t.type('destconfig\r');
    await first;
    // A line typed in this session, after the start-up history was given.
    const second = t.p.ask('ESA> ', commands);
    t.type('commit\r');
    await second;
    expect(await t.p.withTerminalReleased(async () => 'form done')).toBe('form done');
    expect(await recallSecond(t)).toBe('destconfig');
    t.p.close();
  });
});
