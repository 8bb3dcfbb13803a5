import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractLuaTables, renderLuaTables, replaceLuaTables } from '../../wireshark/lua-tables.mjs';
import { ERRORS } from '../../src/protocol/errors.js';

const lua = readFileSync(new URL('../../wireshark/chatmsg.lua', import.meta.url), 'utf8');

describe('dissector tables generated from src/protocol', () => {
  it('chatmsg.lua holds exactly the tables rendered from src/protocol (else run wireshark/update-tables.mjs)', () => {
    expect(extractLuaTables(lua)).toBe(renderLuaTables());
  });

  it('renders every error code of the one error table as a value string', () => {
    for (const { code, name } of Object.values(ERRORS)) {
      expect(renderLuaTables()).toContain(`[${code}] = "${name}",`);
    }
  });

  it('replaces a stale block and refuses a file without markers', () => {
    const stale = lua.replace('[404] = "not-found"', '[404] = "gone"');
    expect(replaceLuaTables(stale)).toBe(lua);
    expect(() => replaceLuaTables('-- nothing here')).toThrow(/BEGIN GENERATED/);
  });
});
