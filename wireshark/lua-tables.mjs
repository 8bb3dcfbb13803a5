// The generator of chatmsg.lua's protocol tables, kept next to the dissector it writes. It reads
// the one source of truth, src/protocol, as built into dist/ (npm run build). Types: lua-tables.d.mts.
import { DEFAULT_PORT, ERRORS, PROTOCOL_VERSION, REQUEST_VERBS, SECURE_VERBS, SERVER_VERBS } from '../dist/protocol/index.js';

/**
 * The dissector (wireshark/chatmsg.lua) must stay a single file users copy into Wireshark, so it
 * carries a copy of the protocol tables between two markers. This renders that block from the
 * one source of truth (src/protocol); a test checks the Lua file holds exactly this.
 */
export const LUA_BLOCK_BEGIN = '-- BEGIN GENERATED from src/protocol (wireshark/update-tables.mjs); do not edit by hand';
export const LUA_BLOCK_END = '-- END GENERATED';

const luaList = (items) => `{ ${items.map((item) => JSON.stringify(item)).join(', ')} }`;

export function renderLuaTables() {
  const codes = Object.values(ERRORS)
    .map(({ code, name }) => `  [${code}] = ${JSON.stringify(name)},`)
    .join('\n');
  return [
    LUA_BLOCK_BEGIN,
    `local DEFAULT_PORT = ${DEFAULT_PORT}`,
    `local PROTOCOL_VERSION = ${JSON.stringify(PROTOCOL_VERSION)}`,
    'local ERROR_CODES = {',
    codes,
    '}',
    `local REQUEST_VERBS = ${luaList(REQUEST_VERBS)}`,
    `local SERVER_VERBS = ${luaList(SERVER_VERBS)}`,
    `local EXTENSION_REQUEST_VERBS = ${luaList(SECURE_VERBS)}`,
    LUA_BLOCK_END,
  ].join('\n');
}

/** The generated block as it currently stands in a Lua source, or undefined without markers. */
export function extractLuaTables(lua) {
  const begin = lua.indexOf(LUA_BLOCK_BEGIN);
  const end = lua.indexOf(LUA_BLOCK_END, begin);
  if (begin === -1 || end === -1) return undefined;
  return lua.slice(begin, end + LUA_BLOCK_END.length);
}

/** The Lua source with its generated block replaced by a fresh rendering. */
export function replaceLuaTables(lua) {
  const current = extractLuaTables(lua);
  if (current === undefined) throw new Error(`no "${LUA_BLOCK_BEGIN}" ... "${LUA_BLOCK_END}" block found`);
  return lua.replace(current, () => renderLuaTables());
}
