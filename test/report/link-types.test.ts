import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCapture } from '../../src/analyze/analysis.js';
import { readFrameView } from '../../src/report/frame-view.js';
import { conversationCapture, LINKTYPE, type Conversation } from '../helpers/pcap-builder.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const tshark = await requireTool('tshark');

const LINES = ['<HELLO CHAT-MSG/1 ready', '>LOGIN alice', '<OK LOGIN alice', '>MSG ALL hi from the wifi', '<OK MSG ALL 0', '>LOGOFF alice', '<OK LOGOFF alice'];
const v4: Conversation = { client: '192.168.1.23', server: '20.1.2.3', clientPort: 50123, serverPort: 5151, lines: LINES };
const v6: Conversation = { client: 'fd00::23', server: '2001:db8::5', clientPort: 50124, serverPort: 5151, lines: LINES };

/** Each link type a student's capture can come in, and the layers Wireshark shows before IP. */
const CASES = [
  { name: 'Ethernet, IPv4, pcap', linktype: LINKTYPE.ETHERNET, conversation: v4, format: 'pcap', link: ['eth'], ipOffset: 14 },
  { name: 'Ethernet, IPv6, pcapng', linktype: LINKTYPE.ETHERNET, conversation: v6, format: 'pcapng', link: ['eth'], ipOffset: 14 },
  { name: 'Linux cooked (-i any), IPv4', linktype: LINKTYPE.LINUX_SLL, conversation: v4, format: 'pcap', link: ['sll'], ipOffset: 16 },
  { name: 'Linux cooked (-i any), IPv6, pcapng', linktype: LINKTYPE.LINUX_SLL, conversation: v6, format: 'pcapng', link: ['sll'], ipOffset: 16 },
  { name: '802.11 with radiotap (monitor mode), IPv4', linktype: LINKTYPE.RADIOTAP, conversation: v4, format: 'pcapng', link: ['radiotap', 'wlan', 'llc'], ipOffset: 8 + 24 + 8 },
  { name: '802.11 without radiotap, IPv6', linktype: LINKTYPE.IEEE802_11, conversation: v6, format: 'pcap', link: ['wlan', 'llc'], ipOffset: 24 + 8 },
] as const;

describe.skipIf(tshark.skip)(tshark.title('captures of every link type and IP version are analysed and shown layer by layer'), () => {
  it.each(CASES)('$name', async ({ linktype, conversation, format, link, ipOffset }) => {
    const dir = await makeTempDir('chatmsg-linktype-');
    const file = join(dir, `capture.${format}`);
    await writeFile(file, conversationCapture(linktype, conversation, format));

    const analysis = await analyzeCapture(file, { port: 5151 });
    expect(analysis.pdus.map((p) => `${p.direction === 'request' ? '>' : '<'}${p.line}`)).toEqual(LINES);
    expect(analysis.connections).toHaveLength(1);
    const connection = analysis.connections[0]!;
    expect(connection.clientId).toBe('alice');
    const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address);
    expect(connection.client).toBe(`${bracket(conversation.client)}:${conversation.clientPort}`);
    expect(connection.server).toBe(`${bracket(conversation.server)}:${conversation.serverPort}`);
    expect(connection.handshake).toHaveLength(3);

    // The MSG ALL frame, as the report shows it: every layer in order, at the offsets the formats fix.
    const msgAll = analysis.pdus.find((p) => p.line.startsWith('MSG ALL'))!;
    const view = await readFrameView(file, msgAll.frame, { port: 5151 });
    const ipProtocol = conversation.client.includes(':') ? 'ipv6' : 'ip';
    expect(view.layers.map((l) => l.protocol)).toEqual([...link, ipProtocol, 'tcp', 'chatmsg']);
    const ip = view.layers.find((l) => l.protocol === ipProtocol)!;
    expect(ip.offset).toBe(ipOffset);
    const tcp = view.layers.find((l) => l.protocol === 'tcp')!;
    expect(tcp.offset).toBe(ipOffset + (ipProtocol === 'ipv6' ? 40 : 20));
    const chat = view.layers.find((l) => l.protocol === 'chatmsg')!;
    expect(chat.offset).toBe(tcp.offset + 20);
    const verb = chat.fields.find((f) => f.name === 'chatmsg.verb')!;
    expect(verb).toMatchObject({ value: 'MSG', offset: chat.offset, length: 3 });
    expect(view.bytes.subarray(chat.offset, chat.offset + chat.length).toString()).toBe('MSG ALL hi from the wifi\n');
    const source = ip.fields.find((f) => f.name === `${ipProtocol}.src`)!;
    expect(source.value).toBe(conversation.client);
    expect(source.length).toBe(ipProtocol === 'ipv6' ? 16 : 4);
  });
});
