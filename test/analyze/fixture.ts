import { fileURLToPath } from 'node:url';

/** The committed segmented capture (see wireshark/fixtures/README.md). */
export const SEGMENTED_PCAP = fileURLToPath(new URL('../../wireshark/fixtures/segmented.pcap', import.meta.url));

/** A scenario that describes the fixture's traffic (its non-UTF-8 line cannot be written in one). */
export const SEGMENTED_SCENARIO = `name: segmented
description: the traffic of wireshark/fixtures/segmented.pcap
clients: alice bob

alice> LOGIN alice
alice< OK LOGIN alice
bob> LOGIN bob
bob> LIST
bob> PING t1
bob< OK LOGIN bob
bob< ~ OK LIST 2 .*
bob< PONG t1
alice< JOINED bob
bob> MSG alice hi there
bob< OK MSG alice
alice< MSG bob alice hi there
alice> MSG ALL hello everyone
unordered {
  alice< OK MSG ALL 1
  bob< MSG alice ALL hello everyone
}
bob> LOGOFF bob
bob< OK LOGOFF bob
alice< LEFT bob
alice> LOGOFF alice
alice< OK LOGOFF alice
`;
