/**
 * `ctiscope ui [FILE…]`: opens the web UI on 127.0.0.1. With files, they are analysed here first (the Node
 * pipeline) and the page opens with that analysis; without, the page waits for a capture to be dropped on it
 * and analyses it inside the browser tab.
 */

import { spawn } from 'node:child_process';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, progressOptions } from './common.js';
import { ExitCode } from './exit-codes.js';
import { DEFAULT_UI_PORT, UiMessageStore, isLoopbackAddress, startUiServer } from './ui-server.js';
import type { AnalysisDocument } from '../timeline/model.js';

export interface UiArgs {
  files?: string[];
  port?: number;
  host?: string;
  open?: boolean;
  showSecrets?: boolean;
  /** Use any free port when --port is busy (the demo). */
  anyPortIfBusy?: boolean;
}

/** Opens the URL in the desktop's browser, if there is one; failing quietly is fine (the URL is printed). */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser launcher on this machine.
  }
}

export async function runUi(args: UiArgs): Promise<void> {
  const host = args.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new CliError(`--host ${host}: ctiscope ui listens only on a loopback address (127.0.0.1 or ::1)`, ExitCode.USAGE);
  const port = args.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${args.port}: not a TCP port (0 picks a free one)`, ExitCode.USAGE);

  let doc: AnalysisDocument | undefined;
  let messages: UiMessageStore | undefined;
  const files = args.files?.length ? checkFiles(args.files) : [];
  if (files.includes('-')) throw new CliError('ctiscope ui reads files, not standard input', ExitCode.USAGE);
  if (files.length) {
    messages = new UiMessageStore(undefined, undefined, undefined, !args.showSecrets);
    const store = messages;
    const progress = progressOptions();
    const result = await analyzeFiles(files, {
      ...progress,
      analyze: true,
      decode: { keepRaw: true, showSecrets: args.showSecrets },
      onMessage: (m) => store.add(m),
    });
    progress.doneProgress();
    if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
    printWarnings(result.source.warnings);
    doc = result.doc;
  }

  let server;
  try {
    server = await startUiServer({ port, host, doc, messages }).catch((e: NodeJS.ErrnoException) => {
      // The demo should just work: when the usual port is taken, any free one will do.
      if (e.code === 'EADDRINUSE' && args.anyPortIfBusy) return startUiServer({ port: 0, host, doc, messages });
      throw e;
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port (0 picks a free one)`, ExitCode.USAGE);
    throw new CliError(`cannot start the web server: ${(e as Error).message}`);
  }
  const what = doc ? `${doc.summary.message}` : 'drop a capture on the page to analyse it in the browser';
  process.stdout.write(`ctiscope ui: ${server.url}\n${what}\nPress Ctrl-C to stop.\n`);
  if (args.open) openBrowser(server.url);

  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolveStop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
