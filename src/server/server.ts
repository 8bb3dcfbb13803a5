import { RATE_BURST_SECONDS, GREETING_TEXT, SHUTDOWN_TEXT, type ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import { TokenBucket } from './rate-limiter.js';
import { PresencePacer } from './presence-pacer.js';
import { Router } from './router.js';
import { Session } from './session.js';
import { Transport, type ListeningAddress, type TransportTls } from './transport.js';
import { CORE_VERBS, type VerbTable } from './verbs.js';

export interface ChatServer {
  /** Where it listens (the real port when started on port 0). */
  readonly address: ListeningAddress;
  /** BYE to everyone, close every connection, stop listening. */
  shutdown(text?: string): Promise<void>;
}

/** A token bucket per connection, or none when rate limiting is off. */
function limiterFor(rateLimit: number): TokenBucket | undefined {
  if (rateLimit === 0) return undefined;
  return new TokenBucket(rateLimit, Math.max(1, Math.ceil(rateLimit * RATE_BURST_SECONDS)));
}

/** Assembles router, sessions and transport, and starts listening. */
export async function startChatServer(
  config: ServerConfig,
  logger: Logger,
  verbs: VerbTable = CORE_VERBS,
  tlsMaterial?: TransportTls,
): Promise<ChatServer> {
  // Presence notices leave with a turn's write flush, paced by what the last one cost.
  const pacer: PresencePacer = new PresencePacer({
    presence: () => router.endTurn(),
    requestWrite: () => transport.requestFlush(),
    writeNow: () => transport.flush(),
  });
  const router = new Router(() => pacer.pending());
  const flushHooks = { beforeFlush: () => pacer.beforeFlush(), afterFlush: () => pacer.afterFlush() };
  const transport: Transport = new Transport({ ...config, tlsMaterial, flushHooks }, logger, (link) => {
    const session = new Session({ link, router, logger, limiter: limiterFor(config.rateLimit), verbs, loginTimeoutMs: config.loginTimeoutMs });
    session.open(GREETING_TEXT);
    return session;
  });
  const address = await transport.listen();
  return {
    address,
    async shutdown(text = SHUTDOWN_TEXT) {
      // Everyone is leaving at once: nobody needs a LEFT for the others.
      router.clear();
      await transport.close(text);
    },
  };
}
