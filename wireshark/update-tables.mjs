#!/usr/bin/env node
// Rewrites the generated tables of chatmsg.lua from src/protocol. Run after `npm run build`
// whenever an error code, a verb or the default port changes (a test fails until you do).
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceLuaTables } from './lua-tables.mjs';

const file = new URL('./chatmsg.lua', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = replaceLuaTables(before);
if (after === before) {
  process.stdout.write('chatmsg.lua tables are up to date\n');
} else {
  writeFileSync(file, after);
  process.stdout.write('chatmsg.lua tables updated\n');
}
