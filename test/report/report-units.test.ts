import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/report/build-report.js';
import { readExcerpt, REPORT_REGIONS } from '../../src/report/code-excerpts.js';
import type { FrameView } from '../../src/report/frame-view.js';
import { byteLayers, hexDumpHtml, hexDumpText } from '../../src/report/hex-dump.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const view: FrameView = {
  number: 7,
  protocols: 'eth:ethertype:ip:tcp:chatmsg',
  bytes: Buffer.concat([Buffer.alloc(14, 0xee), Buffer.alloc(20, 0x45), Buffer.alloc(20, 0x50), Buffer.from('PING\n')]),
  layers: [
    { protocol: 'eth', title: 'Ethernet II', offset: 0, length: 14, fields: [] },
    { protocol: 'ip', title: 'IPv4', offset: 14, length: 20, fields: [] },
    { protocol: 'tcp', title: 'TCP', offset: 34, length: 20, fields: [] },
    { protocol: 'chatmsg', title: 'CHAT-MSG', offset: 54, length: 5, fields: [] },
  ],
};

describe('the hex dump', () => {
  it('gives each byte the innermost layer that covers it', () => {
    const owners = byteLayers(view);
    expect(owners.slice(12, 16)).toEqual(['eth', 'eth', 'ip', 'ip']);
    expect(owners[54]).toBe('chatmsg');
    expect(owners).toHaveLength(59);
  });

  it('colours runs of a layer, not single bytes, and escapes what it shows', () => {
    const html = hexDumpHtml({ ...view, bytes: Buffer.concat([view.bytes.subarray(0, 54), Buffer.from('<&>\n!')]) });
    // Rows 0-15 (Ethernet, IP), 16-31 (IP), 32-47 (IP, TCP), 48-58 (TCP, CHAT-MSG): 7 runs, in hex and in ASCII.
    expect(html.match(/<span style=/g)?.length).toBe(14);
    expect(html).toContain('&lt;&amp;&gt;.!');
    expect(html).not.toMatch(/<&>/);
  });

  it('as text: offset, 16 bytes, ASCII', () => {
    expect(hexDumpText(view).split('\n').at(-1)).toBe(`0030  ${'50 50 50 50 50 50 50 49 4e 47 0a'.padEnd(47)}  PPPPPPPING.`);
    expect(hexDumpText(view).split('\n')).toHaveLength(4);
  });
});

describe('code excerpts from marked regions', () => {
  it.each(REPORT_REGIONS)('$file has the region $name', async ({ file, name }) => {
    const excerpt = await readExcerpt(PROJECT_ROOT, file, name);
    expect(excerpt.text.length).toBeGreaterThan(50);
    expect(excerpt.why).toMatch(/^report section 2\.1: /);
    expect(excerpt.text).not.toContain('#region');
  });

  it('names the line the excerpt starts at, dedented', async () => {
    const dir = await makeTempDir('chatmsg-excerpt-');
    await writeFile(join(dir, 'a.ts'), 'one\n  // #region report:x (why)\n  two\n    three\n  // #endregion report:x\n');
    expect(await readExcerpt(dir, 'a.ts', 'x')).toEqual({ name: 'x', file: 'a.ts', startLine: 3, text: 'two\n  three', why: 'why' });
  });

  it('refuses a missing or unclosed region instead of quoting nothing', async () => {
    const dir = await makeTempDir('chatmsg-excerpt-');
    await writeFile(join(dir, 'a.ts'), '// #region report:x (why)\ncode\n');
    await expect(readExcerpt(dir, 'a.ts', 'x')).rejects.toThrow('a.ts: no "#region report:x" ... "#endregion report:x" markers');
    await expect(readExcerpt(dir, 'a.ts', 'y')).rejects.toThrow(/no "#region report:y"/);
  });
});
