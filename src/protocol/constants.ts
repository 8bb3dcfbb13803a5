/** Protocol name and version announced in the greeting. */
export const PROTOCOL_VERSION = 'CHAT-MSG/1';

/** Default TCP port of CHAT-MSG (the dissector, Docker lab and Azure scripts use it too;
 * 5000 and 7000 are taken by AirPlay on macOS). */
export const DEFAULT_PORT = 5151;

/** The reserved target that addresses every logged-in client. */
export const BROADCAST_TARGET = 'ALL';

export const LF = 0x0a;
export const CR = 0x0d;
