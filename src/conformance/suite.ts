import { broadcastChecks } from './checks/broadcast.js';
import { directChecks } from './checks/direct.js';
import { disconnectChecks } from './checks/disconnect.js';
import { errorChecks } from './checks/errors.js';
import { framingChecks } from './checks/framing.js';
import { greetingChecks } from './checks/greeting.js';
import { helpChecks } from './checks/help.js';
import { listChecks } from './checks/list.js';
import { loginChecks } from './checks/login.js';
import { pingChecks } from './checks/ping.js';
import { presenceChecks } from './checks/presence.js';
import { robustnessChecks } from './checks/robustness.js';
import { textChecks } from './checks/text.js';
import { GROUPS, type Check, type GroupName } from './types.js';

/** Every check, in the order of the groups (docs/PROTOCOL.md's sections). */
export const ALL_CHECKS: readonly Check[] = [
  ...greetingChecks,
  ...loginChecks,
  ...directChecks,
  ...broadcastChecks,
  ...presenceChecks,
  ...listChecks,
  ...pingChecks,
  ...helpChecks,
  ...errorChecks,
  ...framingChecks,
  ...textChecks,
  ...disconnectChecks,
  ...robustnessChecks,
].sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group));

export interface Selection {
  only?: readonly GroupName[];
  skip?: readonly GroupName[];
}

/** The checks of the selected groups: `only` (all when absent) minus `skip`. */
export function selectChecks(selection: Selection, checks: readonly Check[] = ALL_CHECKS): Check[] {
  return checks.filter(
    (check) => (selection.only === undefined || selection.only.includes(check.group)) && !selection.skip?.includes(check.group),
  );
}

/** True when `name` is a group name. */
export function isGroupName(name: string): name is GroupName {
  return (GROUPS as readonly string[]).includes(name);
}
