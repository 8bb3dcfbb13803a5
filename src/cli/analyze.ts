#!/usr/bin/env node
/**
 * `npm run analyze -- <pcap> [--port N] [--out report.md] [--expect <scenario>]`: a Markdown report
 * of the CHAT-MSG traffic in a capture (tshark + wireshark/chatmsg.lua), an SVG sequence diagram,
 * and optionally a check against a scenario.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { analyzeCapture } from '../analyze/analysis.js';
import { checkScenario } from '../analyze/expect-scenario.js';
import { renderMarkdownReport, renderScenarioCheck } from '../analyze/markdown-report.js';
import { renderSequenceSvg } from '../analyze/sequence-svg.js';
import { parseEndpoint, serverFilter, serverFromEvidence, type ServerEndpoint } from '../analyze/server-endpoint.js';
import { AnalyzeError } from '../analyze/tshark.js';
import { loadScenario, ScenarioNotFoundError } from '../scenario/catalog.js';
import { ScenarioSyntaxError } from '../scenario/parser.js';
import { OptionError, parsePort, withUsage } from './options.js';

const command = { name: 'chatmsg-analyze', usage: '<capture.pcap> [--port N] [--server host:port] [--out report.md] [--expect <scenario>]' };

const HELP = `usage: npm run analyze -- ${command.usage}

Runs tshark with the CHAT-MSG dissector (wireshark/chatmsg.lua) on a capture and prints a Markdown
report: TCP connections, every CHAT-MSG PDU, per-service counts with the header fields of one example
frame per layer, retransmissions and resets, and a sequence diagram (Mermaid text + an SVG file).

  --port N           the CHAT-MSG server port (default 5151; other ports are found by the heuristic)
  --server HOST:PORT analyse only the connections to this server (default for a scenario run's
                     traffic.pcap: the server named in its result.json)
  --out FILE         write the report to FILE (and the diagram to FILE with .svg) instead of stdout
  --svg FILE         where to write the SVG diagram (default: next to --out, else next to the capture)
  --expect NAME      check that the PDUs of scenarios/NAME.scenario are in the capture, in a causal order
  -h, --help         this help
`;

function options() {
  return withUsage(command, () => {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        server: { type: 'string' },
        out: { type: 'string' },
        svg: { type: 'string' },
        expect: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) return { help: true as const };
    if (positionals.length !== 1) throw new OptionError(positionals.length === 0 ? 'missing capture file' : 'expected one capture file');
    const pcap = positionals[0]!;
    const svg = values.svg ?? `${(values.out ?? pcap).replace(/\.(md|pcapng|pcap|cap)$/i, '')}${values.out ? '' : '-sequence'}.svg`;
    return {
      help: false as const,
      pcap,
      port: values.port === undefined ? undefined : parsePort(values.port, 'port'),
      server: values.server === undefined ? undefined : endpointOption(values.server),
      out: values.out,
      svg,
      expect: values.expect,
    };
  });
}

function endpointOption(text: string): ServerEndpoint {
  const endpoint = parseEndpoint(text);
  if (!endpoint) throw new OptionError(`bad --server ${JSON.stringify(text)}: expected host:port`);
  return endpoint;
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const scenario = opts.expect === undefined ? undefined : await loadScenario(opts.expect);
  const server = opts.server ?? (opts.port === undefined ? await serverFromEvidence(opts.pcap) : undefined);
  if (server && !opts.server) process.stderr.write(`server ${server.host}:${server.port} (from result.json next to the capture)\n`);
  const analysis = await analyzeCapture(opts.pcap, {
    port: opts.port ?? server?.port,
    ...(server ? { filter: serverFilter(server) } : {}),
  });
  await writeFile(opts.svg, renderSequenceSvg(analysis.diagram));
  const svgLink = opts.out ? relativeName(opts.svg, opts.out) : opts.svg;
  const check = scenario && checkScenario(scenario, analysis.pdus);
  const report = renderMarkdownReport(analysis, svgLink) + (check ? `\n${renderScenarioCheck(check)}` : '');
  if (opts.out) {
    await writeFile(opts.out, report);
    process.stderr.write(`report written to ${opts.out}, diagram to ${opts.svg}\n`);
  } else {
    process.stdout.write(report);
    process.stderr.write(`diagram written to ${opts.svg}\n`);
  }
  if (check) {
    process.stderr.write(`scenario ${check.scenario}: ${check.ok ? 'PASS' : `FAIL\n${check.problems.map((p) => `  ${p}`).join('\n')}`}\n`);
    return check.ok ? 0 : 1;
  }
  return 0;
}

/** The SVG as the report links it: by file name when both sit in the same folder. */
function relativeName(svg: string, out: string): string {
  const dir = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/') + 1));
  return dir(svg) === dir(out) ? svg.slice(dir(svg).length) : svg;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AnalyzeError || error instanceof ScenarioNotFoundError || error instanceof ScenarioSyntaxError) {
      process.stderr.write(`${command.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  },
);
