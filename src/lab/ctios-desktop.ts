/**
 * A CTI OS-like agent desktop: a real TCP client on 42028 that downloads its settings and logs its agent in through
 * the CTI OS server (the lab's stand-in protocol, ctios-wire.ts), optionally logging out and in again. The desktop
 * sees only its CTI OS server; the GED-188 side is the server's business.
 */

import { connect, type Socket } from 'node:net';
import { CTIOS_LAB_FRAMING, decodeCtiosLab, encodeCtiosLab, type CtiosKind, type CtiosLabMessage } from './ctios-wire.js';
import type { DesktopResult } from './desktop.js';
import { assertLoopback, endpointText, readMessages, type Endpoint } from './loopback.js';
import type { UcceAgent } from './synth/ucce-ged.js';

export interface CtiosDesktopOptions {
  /** The desktop PC's loopback address. */
  host: string;
  agent: UcceAgent;
  server: Endpoint;
  /** Milliseconds between the settings download and the login (the user typing). */
  loginAfterMs?: number;
  /** Log out this many ms after logging in, then in again after `reloginAfterMs`. */
  logoutAfterMs?: number;
  reloginAfterMs?: number;
  replyTimeoutMs?: number;
  log?(line: string): void;
}

export interface CtiosDesktopRun {
  /** Settles with the last login's result (after the re-login when there is one). Never rejects. */
  readonly started: Promise<DesktopResult & { attempts: number }>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function startCtiosDesktop(opts: CtiosDesktopOptions): CtiosDesktopRun {
  assertLoopback(opts.host, 'desktop address');
  assertLoopback(opts.server.host, 'CTI OS server');
  const a = opts.agent;
  const log = (line: string): void => opts.log?.(`ctios desktop ${opts.host} agent ${a.agentId}: ${line}`);
  const timeout = opts.replyTimeoutMs ?? 10_000;
  let socket: Socket | undefined;
  const queue: CtiosLabMessage[] = [];
  let waiter: ((m: CtiosLabMessage | undefined) => void) | undefined;
  let gone = false;

  const next = (kind: CtiosKind): Promise<CtiosLabMessage> =>
    new Promise((resolve, reject) => {
      const take = (m: CtiosLabMessage | undefined): void => {
        clearTimeout(timer);
        if (!m) reject(new Error(`${endpointText(opts.server)} closed the connection`));
        else if (m.kind !== kind) reject(new Error(`expected ${kind}, got ${m.kind}`));
        else resolve(m);
      };
      const timer = setTimeout(() => {
        waiter = undefined;
        reject(new Error(`${endpointText(opts.server)} did not answer within ${timeout / 1000} s`));
      }, timeout);
      const q = queue.shift();
      if (q || gone) take(q);
      else waiter = take;
    });

  async function run(): Promise<DesktopResult & { attempts: number }> {
    let attempts = 0;
    const result = (outcome: 'logged-in' | 'failed', message: string): DesktopResult & { attempts: number } => ({
      agent: a.agentId,
      host: opts.host,
      outcome,
      ...(outcome === 'failed' ? { failedPhase: 'login' as const } : {}),
      message,
      attempts,
    });
    try {
      const s = connect({ host: opts.server.host, port: opts.server.port, localAddress: opts.host });
      socket = s;
      s.setNoDelay(true);
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('error', reject);
      });
      s.on('error', () => undefined);
      readMessages(s, CTIOS_LAB_FRAMING, (pdu) => {
        const m = decodeCtiosLab(pdu);
        if (!m) return;
        if (waiter) {
          const w = waiter;
          waiter = undefined;
          w(m);
        } else queue.push(m);
      });
      s.on('close', () => {
        gone = true;
        waiter?.(undefined);
      });
      s.write(encodeCtiosLab('hello', ['CIL', opts.host], 180));
      await next('settings');
      await sleep(opts.loginAfterMs ?? 300);
      const login = async (): Promise<CtiosLabMessage> => {
        attempts++;
        s.write(encodeCtiosLab('login', [a.agentId, a.instrument, a.password], 230));
        return next('loginResult');
      };
      let r = await login();
      if (r.fields[0] === 'ok' && opts.logoutAfterMs !== undefined) {
        log('logged in; logging out and in again');
        await sleep(opts.logoutAfterMs);
        s.write(encodeCtiosLab('logout', [a.agentId, a.instrument], 150));
        await next('logoutResult');
        await sleep(opts.reloginAfterMs ?? 500);
        r = await login();
      }
      if (r.fields[0] === 'ok') {
        log('logged in');
        return result('logged-in', `agent ${a.agentId} logged in through ${endpointText(opts.server)}`);
      }
      log(`login refused: ${r.fields.slice(2).join(' ')}`);
      return result('failed', `login refused: ${r.fields.slice(3).join(' ')} ${r.fields[2] ?? ''}`.trim());
    } catch (e) {
      return result('failed', (e as Error).message);
    }
  }

  const started = run();
  return {
    started,
    async close() {
      await started;
      const s = socket;
      if (!s || s.destroyed) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.destroy();
          resolve();
        }, 1000);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.end();
      });
    },
  };
}
