/**
 * ctiscope command line: analyze, flows, decode (and the later live, ui, lab).
 * Each command lives in its own module; this file only declares them.
 */

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_UI_PORT, EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { LAB_PIECES, LAB_SCENARIOS } from '../lab/scenarios.js';
import { CliError, internalErrorLine } from './common.js';
import { InternalError } from '../internal-error.js';
import { PROTOCOL_NAMES } from '../decoders/types.js';

// Each command's module (and what it pulls in: decoders, timeline, web server, lab) loads only when that
// command runs, so `ctiscope flows` does not pay for the UI server and `--help` answers at once.
const runAnalyze = async (a: any) => (await import('./analyze.js')).runAnalyze(a);
const runFlows = async (a: any) => (await import('./flows.js')).runFlows(a);
const runDecode = async (a: any) => (await import('./decode.js')).runDecode(a);
const runDemo = async (a: any) => (await import('./demo.js')).runDemo(a);
const runLive = async (a: any) => (await import('./live.js')).runLive(a);
const runLabCommand = async (a: any) => (await import('./lab.js')).runLabCommand(a);
const runUi = async (a: any) => (await import('./ui.js')).runUi(a);
const runSequence = async (a: any) => (await import('./sequence.js')).runSequence(a);
const runCompare = async (a: any) => (await import('./compare.js')).runCompare(a);

const fileArgs = (y: any) =>
  y.positional('files', { describe: 'capture files (pcap, pcapng, optionally .gz); - reads standard input', type: 'string', array: true });

const decodeOptions = (y: any) =>
  y
    .option('port', { type: 'string', array: true, describe: 'add or override a service port: PORT=PROTOCOL[:SERVICE[:PHASE]], e.g. 3016=giop:sync-service' })
    .option('profile', { type: 'string', describe: 'JSON profile file with extra services ({ "services": [...] })' })
    .option('show-secrets', { type: 'boolean', default: false, describe: 'show passwords (GED-188 tags 2 and 49, LDAP simple bind) instead of <redacted>' });

/**
 * Every option given a value that is no value: `--html` with nothing after it (yargs makes it '', and the report
 * was silently not written), or a number option given something else (`--threads abc`, NaN). Checked for every
 * command; the message names the option as the user typed it.
 */
function givenValues(argv: Record<string, unknown>): true | string {
  for (const [key, value] of Object.entries(argv)) {
    // One name per option: yargs also stores each under its camelCase name and its alias.
    if (key === '_' || key === '$0' || key.length === 1 || /[A-Z]/.test(key) || key === 'files' || key === 'good' || key === 'bad') continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      // A string is yargs' message (a thrown error would read as ctiscope's own failure).
      if (v === '') return `--${key} needs a value`;
      if (typeof v === 'number' && Number.isNaN(v)) return `--${key} needs a number`;
    }
  }
  return true;
}

/** yargs drops a bare `-` positional; carry it through under a name no file can have. */
export const STDIN_ARG = '\u0000stdin';

async function main(): Promise<void> {
  const argv = hideBin(process.argv).map((a) => (a === '-' ? STDIN_ARG : a));
  const parser = yargs(argv)
    // ctiscope speaks English: yargs's own words too, whatever the locale (its locale files are not bundled).
    .locale('en')
    .scriptName('ctiscope')
    .usage('$0 <command> [options]\n\nWhich step of which agent desktop\'s login failed, and why: reads a capture and rebuilds a timeline per workstation\n(config download → licensing → CTI session → agent login → desktop services).')
    .command(
      'analyze <files..>',
      'login timelines per workstation, CTI client and agent, with named failures',
      (y) =>
        decodeOptions(fileArgs(y))
          .option('json', { type: 'boolean', default: false, describe: 'print the analysis document (ctiscope/analysis@2) as JSON' })
          .option('html', { type: 'string', describe: 'also write a self-contained HTML report to this file' })
          .option('workstation', { alias: 'w', type: 'string', describe: 'only this workstation (IP address)' })
          .option('agent', { alias: 'a', type: 'string', describe: 'only this agent (AgentID), with its CTI client and desktop' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'every workstation in detail, even with many' })
          .option('explain', { type: 'boolean', default: false, describe: 'say in plain words what the desktop does at each step and why it matters' })
          .option('write-evidence', { type: 'string', describe: 'write the packets of the workstation\'s (or --agent\'s) flows and their DNS lookups to this pcapng, with comments on the frames its findings cite' })
          .option('color', { type: 'boolean', describe: 'colour the report (default: when stdout is a terminal)' })
          .option('threads', { type: 'number', describe: 'threads to use (default 1): N > 1 tracks and decodes flows in N − 1 worker threads; same document either way, but slower than one thread on two cores (README, Performance)' }),
      (argv) => runAnalyze(argv as any),
    )
    .command(
      'sequence <files..>',
      'one login as a sequence diagram: a lifeline per party, an arrow per message (svg, png, mermaid, plantuml, text)',
      (y) =>
        decodeOptions(fileArgs(y))
          .option('workstation', { alias: 'w', type: 'string', describe: 'the workstation (IP address); may be left out when there is only one' })
          .option('agent', { alias: 'a', type: 'string', describe: 'the agent (AgentID)' })
          .option('cti-client', { type: 'string', describe: 'the CTI client (IP address)' })
          .option('format', { type: 'string', choices: ['svg', 'png', 'mermaid', 'plantuml', 'text'], default: 'svg', describe: 'output format' })
          .option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of standard output (required for png)' }),
      (argv) => runSequence(argv as any),
    )
    .command(
      'compare <good> <bad>',
      'put a working login next to a failing one: the start-ups aligned step by step and the first difference in one sentence',
      (y) =>
        decodeOptions(y)
          .positional('good', { describe: 'capture of a working login', type: 'string' })
          .positional('bad', { describe: 'capture of the failing login (may be the same file)', type: 'string' })
          // Not array options: those would take the file names after them too (`--agent 5203 good.pcap bad.pcap`);
          // given twice, yargs gathers the values all the same.
          .option('workstation', { alias: 'w', type: 'string', describe: 'the workstation: once for both captures, or twice (good, then bad)' })
          .option('agent', { alias: 'a', type: 'string', describe: 'the agent instead: once for both, or twice (good, then bad)' })
          .option('cti-client', { type: 'string', describe: 'the CTI client (IP address) instead: once for both, or twice (good, then bad)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON' }),
      (argv) => runCompare(argv as any),
    )
    .command(
      'flows [files..]',
      'connection table: client, server, state (S0, REJ, SF, RSTO …), packets and bytes each way',
      (y) =>
        fileArgs(y)
          .option('json', { type: 'boolean', default: false, describe: 'print an array of flow objects (written as flows end)' })
          .option('jsonl', { type: 'boolean', default: false, describe: 'print one flow object per line (JSON Lines), each as its flow ends' })
          .option('interface', { alias: 'i', type: 'string', describe: 'capture live from this interface instead of reading files' })
          .option('filter', { alias: 'f', type: 'string', describe: 'BPF capture filter for live capture' })
          .option('list-interfaces', { alias: 'D', type: 'boolean', default: false, describe: 'list capture interfaces' })
          .option('duration', { type: 'number', describe: 'live: stop after this many seconds' }),
      (argv) => runFlows(argv as any),
    )
    .command(
      'decode <files..>',
      'protocol trace: every GED-188, GIOP, LDAP, DNS, TLS, SIP, Skinny message',
      (y) =>
        decodeOptions(fileArgs(y))
          .option('json', { type: 'boolean', default: false, describe: 'print an array of decoded messages (written as they are decoded)' })
          .option('jsonl', { type: 'boolean', default: false, describe: 'print one decoded message per line (JSON Lines)' })
          .option('stream', { type: 'string', describe: 'only this flow: tcp/N or udp/N as `flows` names it (N alone: tcp.stream or udp.stream N)' })
          .option('server', { type: 'string', describe: 'only flows to this server (ip:port or ip)' })
          .option('protocol', { type: 'string', array: true, describe: `only these protocols (${PROTOCOL_NAMES.join(', ')})` })
          .option('hex', { type: 'boolean', default: false, describe: 'show each message\'s bytes' }),
      (argv) => runDecode(argv as any),
    )
    .command(
      'live',
      'analyse a live capture as it happens: each step and finding as it settles, the report on Ctrl-C',
      (y) =>
        decodeOptions(y)
          .option('interface', { alias: 'i', type: 'string', demandOption: true, describe: 'capture on this interface (tcpdump -D lists them)' })
          .option('filter', { alias: 'f', type: 'string', describe: 'BPF capture filter, e.g. "host 10.10.20.31"' })
          .option('snaplen', { type: 'number', describe: 'bytes kept per packet (on lo, e.g. 8192 keeps bursts from being dropped)' })
          .option('write', { alias: 'w', type: 'string', describe: 'keep the packets in this pcapng file' })
          .option('max-size', { type: 'number', describe: 'with --write: largest file size in MB (writing stops there unless --ring)' })
          .option('ring', { type: 'number', describe: 'with --write and --max-size: keep a ring of N files, like dumpcap -b files:N' })
          .option('duration', { type: 'number', describe: 'stop after this many seconds' })
          .option('json', { type: 'boolean', default: false, describe: 'print the final analysis document as JSON (live lines go to stderr)' })
          .option('workstation', { type: 'string', describe: 'only this workstation (IP address)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'every workstation in detail in the final report' })
          .option('color', { type: 'boolean', describe: 'colour the output (default: when stdout is a terminal)' }),
      (argv) => runLive(argv as any),
    )
    .command(
      'lab',
      'a simulated contact center on loopback: replay a login (or a failure) and watch it analysed live',
      (y) =>
        y
          .option('scenario', { alias: 's', type: 'string', choices: LAB_SCENARIOS as unknown as string[], default: 'ok', describe: 'what happens' })
          .option('write', { alias: 'w', type: 'string', describe: 'keep the run\'s packets in this pcapng file' })
          .option('json', { type: 'boolean', default: false, describe: 'print the final analysis document as JSON instead of the report' })
          .option('ui', { type: 'boolean', default: false, describe: 'show the run in the web UI as it happens (the desktops start when the page is open, or after 10 s), then its timeline until Ctrl-C' })
          .option('agents', { type: 'number', describe: 'many-agents: how many desktops (4-200, default 8); ctios-server: how many CTI OS desktops (5-50, default 6)' })
          .option('hold', { type: 'number', describe: 'seconds to keep running after the start-ups (heartbeats; default 3)' })
          .option('network', { type: 'number', describe: 'lab network n: nodes 127.0.n.1/.2, agent PCs 127.1.n.x (default 1)' })
          .option('only', { type: 'string', choices: LAB_PIECES as unknown as string[], describe: 'run one piece alone (a server, or the desktop) until Ctrl-C' })
          .option('listen', { type: 'string', describe: 'with --only: loopback ADDRESS:PORT to listen on (desktop: its own address)' })
          .option('ldap', { type: 'string', array: true, describe: 'with --only desktop: directory hosts to try, in order (ADDRESS:PORT)' })
          .option('standby', { type: 'boolean', default: false, describe: 'with --only cti-server: act as the standby node (FAILURE_CONF to OPEN_REQ)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'every workstation in detail in the report' })
          .option('color', { type: 'boolean', describe: 'colour the output (default: when stdout is a terminal)' }),
      (argv) => runLabCommand(argv as any),
    )
    .command(
      'ui [files..]',
      'the timeline in your browser: serves the web UI on 127.0.0.1 with these captures preloaded (or drop one on the page); --live -i IFACE: a live capture, the timeline growing as packets arrive',
      (y) =>
        fileArgs(y)
          .option('port', { type: 'number', default: DEFAULT_UI_PORT, describe: 'TCP port on 127.0.0.1 (0 picks a free one)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'loopback address to listen on' })
          .option('open', { type: 'boolean', default: false, describe: 'open the page in the desktop browser' })
          .option('show-secrets', { type: 'boolean', default: false, describe: 'show passwords instead of <redacted>' })
          .option('live', { type: 'boolean', default: false, describe: 'capture live (with -i) and show the timeline as it grows; Ctrl-C stops the capture and prints the report, a second Ctrl-C ends the server' })
          .option('interface', { alias: 'i', type: 'string', describe: 'with --live: capture on this interface (tcpdump -D lists them)' })
          .option('filter', { alias: 'f', type: 'string', describe: 'with --live: BPF capture filter, e.g. "host 10.10.20.31"' })
          .option('snaplen', { type: 'number', describe: 'with --live: bytes kept per packet' })
          .option('write', { alias: 'w', type: 'string', describe: 'with --live: keep the packets in this pcapng file' })
          .option('max-size', { type: 'number', describe: 'with --write: largest file size in MB' })
          .option('ring', { type: 'number', describe: 'with --write and --max-size: keep a ring of N files' })
          .option('duration', { type: 'number', describe: 'with --live: stop capturing after this many seconds (the page keeps the final timeline)' })
          .option('profile', { type: 'string', describe: 'with --live: JSON profile file with extra services ({ "services": [...] })' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'with --live: every workstation in detail in the final report' })
          .option('color', { type: 'boolean', describe: 'with --live: colour the output (default: when stdout is a terminal)' }),
      (argv) => runUi(argv as any),
    )
    .command(
      'demo',
      'analyze the bundled licence-refused sample and show it in the browser (what `npm start` runs)',
      (y) =>
        y
          .option('ui', { type: 'boolean', default: true, describe: 'also serve the web UI (--no-ui: terminal only)' })
          .option('port', { type: 'number', describe: `web UI port (default ${DEFAULT_UI_PORT}, or any free one if busy)` }),
      (argv) => runDemo(argv as any),
    )
    .command('wireshark-dissector', 'print the GED-188 Lua dissector for Wireshark/tshark, generated from ctiscope\'s protocol tables (README: install)', (y) => y.option('output', { alias: 'o', type: 'string', describe: 'write it to this file instead of standard output' }), async (a: any) => (await import('./wireshark-dissector.js')).runWiresharkDissector(a))
    .option('debug', { type: 'boolean', default: false, global: true, describe: 'on an internal error, print its stack trace' })
    .demandCommand(1, 'name a command: analyze, sequence, compare, flows, decode, live, ui, lab, demo or wireshark-dissector')
    .check(givenValues, true)
    .strict()
    .epilogue(EXIT_CODES_HELP)
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // yargs' own errors (YError) and a failed check (its message, passed as the error too) are usage errors;
      // anything else is ours.
      if (err instanceof Error && err.name !== 'YError') throw err;
      process.stderr.write(`ctiscope: ${msg}\nRun 'ctiscope --help' for usage.\n`);
      process.exit(ExitCode.USAGE);
    });
  skipHelpRendering(parser);
  await parser.parseAsync();
}

/**
 * Once a command's handler has started, yargs renders that command's whole help text and keeps it, to show if the
 * handler fails. Ours report their own failures (`.fail` above rethrows), and the rendering (string-width and
 * wrap-ansi over every option's description) was a seventh of the instructions of `ctiscope analyze` on a sample
 * (callgrind: 1,628M against 1,403M). `--help` renders its text itself and is unaffected. The hook is yargs'
 * internal usage instance: when a later yargs lacks it, nothing is skipped and nothing breaks.
 */
function skipHelpRendering(parser: unknown): void {
  const usage = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

// The reader of our output went away (`ctiscope flows big.pcap --jsonl | head`): stop quietly, as other tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.OK);
  process.stderr.write(internalErrorLine(new InternalError('writing output', e)) + '\n');
  process.exit(ExitCode.INTERNAL);
});

main().catch((e: unknown) => {
  if (e instanceof CliError) {
    process.stderr.write(`ctiscope: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(internalErrorLine(e) + '\n');
  if (process.argv.includes('--debug')) {
    const cause = e instanceof InternalError ? e.cause : e;
    process.stderr.write(`${(cause as Error)?.stack ?? String(cause)}\n`);
  }
  process.exit(ExitCode.INTERNAL);
});
