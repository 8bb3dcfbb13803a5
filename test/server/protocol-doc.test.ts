import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/conformance/index.js';
import { DEFAULT_PORT, ERRORS, REQUEST_VERBS } from '../../src/protocol/index.js';
import { RATE_BURST_SECONDS, SERVER_DEFAULTS } from '../../src/server/config.js';

const spec = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

function section(number: number): string {
  const start = spec.search(new RegExp(`^## ${number}\\. `, 'm'));
  const end = spec.slice(start + 1).search(/^## \d+\. /m);
  return end === -1 ? spec.slice(start) : spec.slice(start, start + 1 + end);
}

describe('docs/PROTOCOL.md stays in step with the code', () => {
  it('keeps the section headings other parts refer to', () => {
    const headings = [
      '## 1. Introduction', '## 2. Framing', '## 3. Grammar (ABNF)', '## 4. Session state machine', '## 5. Services',
      '### 5.1 Greeting', '### 5.2 LOGIN', '### 5.3 MSG (direct)', '### 5.4 MSG ALL (broadcast)', '### 5.5 LOGOFF and presence',
      '### 5.6 LIST', '### 5.7 PING', '### 5.8 HELP', '## 6. Errors', '## 7. Limits', '## 8. Robustness', '## 9. Extensions',
    ];
    for (const heading of headings) expect(spec.split('\n')).toContain(heading);
  });

  it('the error table of section 6 is exactly src/protocol/errors.ts', () => {
    const rows = [...section(6).matchAll(/^\| (\d{3}) +\| ([a-z-]+) +\| (.+?) +\|/gm)].map(([, code, name, reason]) => ({
      code: Number(code),
      name,
      reason,
    }));
    const table = Object.values(ERRORS).map(({ code, name, reason }) => ({ code, name, reason }));
    expect(rows.sort((a, b) => a.code - b.code)).toEqual(table.sort((a, b) => a.code - b.code));
  });

  it('every request verb has a grammar rule and the HELP example lists the base verbs', () => {
    for (const verb of REQUEST_VERBS) expect(section(3)).toMatch(new RegExp(`^${verb.toLowerCase()} += "${verb}"`, 'm'));
    expect(section(5)).toContain(`A< OK HELP ${REQUEST_VERBS.join(' ')}`);
  });

  it('states the defaults the server uses', () => {
    const limits = section(7);
    expect(spec).toContain(`port **${DEFAULT_PORT}**`);
    expect(limits).toContain(`| ${SERVER_DEFAULTS.maxClients} |`);
    expect(limits).toContain(`| ${SERVER_DEFAULTS.maxLine} bytes incl. LF |`);
    expect(limits).toContain(`| ${SERVER_DEFAULTS.loginTimeoutSeconds} s |`);
    expect(limits).toContain(`| ${SERVER_DEFAULTS.rateLimit}/s, burst ${SERVER_DEFAULTS.rateLimit * RATE_BURST_SECONDS} |`);
    expect(limits).toContain(`| \`--max-registered\` | ${SERVER_DEFAULTS.maxRegistered} |`);
    expect(limits).toContain(`| \`--register-limit\` | ${SERVER_DEFAULTS.registerLimit} per hour |`);
    expect(SERVER_DEFAULTS.maxQueue).toBe(1024 * 1024);
    expect(limits).toContain('| 1 MiB |');
  });

  it('every decision in the Changes table names the conformance checks that hold it, and they exist', () => {
    const changes = spec.slice(spec.indexOf('## Changes'), spec.search(/^## 1\. /m));
    const rows = [...changes.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map(([, number, cells]) => ({ number: Number(number), cells: cells!.split(' | ') }));
    expect(rows.map((row) => row.number)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const known = new Set(ALL_CHECKS.map((check) => check.name));
    for (const { number, cells } of rows) {
      const checkCell = cells[2]!;
      const named = [...checkCell.matchAll(/`([a-z]+\/[a-z0-9-]+)`/g)].map(([, name]) => name!);
      // A decision no client can observe says so, and where it is tested instead.
      if (named.length === 0) expect(checkCell, `decision ${number}`).toMatch(/^none \(/);
      for (const name of named) expect(known.has(name), `decision ${number}: ${name}`).toBe(true);
    }
  });
});
