/**
 * Exit codes of chatmsg-client, documented in the README. Scenarios check them with
 * `alice! exit <code>`.
 */
export const CLIENT_EXIT = {
  /** The session ended as asked: OK LOGOFF then close, or end of input then close. */
  ok: 0,
  /** The server could not be reached (refused, unreachable, timed out, unknown host). */
  cannotConnect: 1,
  /** Bad command line. */
  usage: 2,
  /** The connection was lost: the server closed or reset it unasked, or a keepalive PING got no reply. */
  connectionLost: 3,
  /** The server said BYE: it is shutting down. */
  serverShutdown: 4,
} as const;

export type ClientExitCode = (typeof CLIENT_EXIT)[keyof typeof CLIENT_EXIT];
