/**
 * The lab's LDAP directory: a private OpenLDAP `slapd` per run, holding the CAD configuration entries the
 * desktop reads (the same DNs and attributes as the generator's desktop, src/lab/synth/desktop.ts).
 *
 * Each run makes a temporary folder with a slapd.conf (mdb backend, suffix `o=Spanlink Communications`, rootdn
 * `cn=Directory Manager,o=Spanlink Communications`, a small schema for the CAD attributes under a UUID-based
 * OID arc 2.25.…), loads the entries with slapadd, runs slapd in the foreground (`-d 0`) on the given loopback
 * URLs, and on close stops it (SIGTERM, then SIGKILL) and deletes the folder.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { LDAP_BIND_DN, LDAP_ROOT, agentDirectoryEntry } from './synth/desktop.js';
import type { AgentSpec } from './synth/desktop-types.js';
import { assertLoopback, endpointText, LabError, type Endpoint, type LabServer } from './loopback.js';

export const LDAP_SUFFIX = 'o=Spanlink Communications';
/** The directory password the desktop is configured with (the generator's). */
export const LDAP_PASSWORD = 'ciscocisco';
export const SLAPD_INSTALL_HINT = 'the lab needs OpenLDAP\'s slapd: apt-get install slapd (dnf install openldap-servers; brew install openldap)';

/** A UUID-based OID arc (ITU-T X.667), so the lab's schema needs no registered enterprise number. */
const OID_ARC = '2.25.171045262414237838620584829183651640327';

const CAD_ATTRIBUTES = [
  'agentId',
  'extension',
  'teamId',
  'workflowGroup',
  'teamName',
  'supervisor',
  'desktopLayout',
  'ctiServerA',
  'ctiServerB',
  'ctiPort',
  'heartbeatInterval',
];

/** The CAD attributes and object classes, in slapd.conf syntax. */
export function cadSchema(): string {
  const lines: string[] = [];
  CAD_ATTRIBUTES.forEach((name, i) => {
    lines.push(`attributetype ( ${OID_ARC}.1.${i + 1} NAME '${name}' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )`);
  });
  lines.push(`objectclass ( ${OID_ARC}.2.1 NAME 'spanAgent' SUP top STRUCTURAL MUST cn MAY ( agentId $ displayName $ extension $ teamId $ workflowGroup ) )`);
  lines.push(`objectclass ( ${OID_ARC}.2.2 NAME 'spanTeam' SUP top STRUCTURAL MUST cn MAY ( teamId $ teamName $ supervisor $ desktopLayout ) )`);
  lines.push(`objectclass ( ${OID_ARC}.2.3 NAME 'spanCtiConfig' SUP top STRUCTURAL MUST cn MAY ( ctiServerA $ ctiServerB $ ctiPort $ heartbeatInterval ) )`);
  return lines.join('\n') + '\n';
}

export interface DirectoryEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

export interface DirectoryContent {
  agents: AgentSpec[];
  /** The UCCX nodes the desktop is sent to for CTI (and licensing). */
  ctiServers: [string, string];
  ctiPort: number;
  /** Seconds between HEARTBEAT_REQs. */
  heartbeatInterval: number;
  /** Teams left out of the directory (their agents' desktops find no team: "No team found for agent"). */
  withoutTeams?: number[];
}

/** A desktop layout of a few KB (CAD keeps its layout in the directory; it spans several TCP segments). */
export function desktopLayout(teamId: number): string {
  const actions = ['answer', 'release', 'hold', 'transfer', 'conference', 'ready', 'notready', 'wrapup'];
  const buttons: string[] = [];
  for (let i = 1; i <= 40; i++) buttons.push(`<button id="${i}" action="${actions[i % 8]}" visible="true"/>`);
  return `<?xml version="1.0"?><layout team="${teamId}" version="8.0.2"><toolbar>${buttons.join('')}</toolbar><enterprise fields="ANI,DNIS,CallVar1,CallVar2,CallVar3,CallVar4,CallVar5"/></layout>`;
}

/** The entries: containers, one per agent, one per team, and the CTI server settings. */
export function directoryEntries(c: DirectoryContent): DirectoryEntry[] {
  const ou = (name: string, parent: string): DirectoryEntry => ({ dn: `ou=${name},${parent}`, attributes: { objectClass: ['top', 'organizationalUnit'], ou: [name] } });
  const out: DirectoryEntry[] = [
    { dn: LDAP_SUFFIX, attributes: { objectClass: ['top', 'organization'], o: ['Spanlink Communications'] } },
    ou('Company', LDAP_SUFFIX),
    ou('Agents', LDAP_ROOT),
    ou('Teams', LDAP_ROOT),
    ou('CTI', LDAP_ROOT),
  ];
  const teams = new Set<number>();
  for (const a of c.agents) {
    teams.add(a.teamId);
    out.push(agentDirectoryEntry(a));
  }
  for (const t of [...teams].sort((x, y) => x - y)) {
    if (c.withoutTeams?.includes(t)) continue;
    out.push({
      dn: `cn=team${t},ou=Teams,${LDAP_ROOT}`,
      attributes: { objectClass: ['top', 'spanTeam'], cn: [`team${t}`], teamId: [String(t)], teamName: [`Team ${t}`], supervisor: ['1000'], desktopLayout: [desktopLayout(t)] },
    });
  }
  out.push({
    dn: `cn=CTIServerConfig,ou=CTI,${LDAP_ROOT}`,
    attributes: {
      objectClass: ['top', 'spanCtiConfig'],
      cn: ['CTIServerConfig'],
      ctiServerA: [c.ctiServers[0]],
      ctiServerB: [c.ctiServers[1]],
      ctiPort: [String(c.ctiPort)],
      heartbeatInterval: [String(c.heartbeatInterval)],
    },
  });
  return out;
}

/** LDIF (RFC 2849): values that are not plain safe strings are written base64. */
export function toLdif(entries: DirectoryEntry[]): string {
  const line = (attr: string, value: string): string =>
    /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ')
      ? `${attr}: ${value}`
      : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  return entries.map((e) => [line('dn', e.dn), ...Object.entries(e.attributes).flatMap(([k, vs]) => vs.map((v) => line(k, v)))].join('\n')).join('\n\n') + '\n';
}

/** slapd's folder: /usr/sbin is often not on a user's PATH. */
export async function findSlapd(name = 'slapd'): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/local/libexec', '/usr/libexec']);
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where the distribution keeps slapd's modules and schema files. */
function slapdLayout(): { modulePath?: string; schemaDir: string } {
  const schemaDir = ['/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema'].find((d) => existsSync(join(d, 'core.schema'))) ?? '/etc/ldap/schema';
  const modulePath = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/local/libexec/openldap'].find((d) => existsSync(d));
  return { modulePath, schemaDir };
}

export interface LdapServerOptions {
  /** Loopback endpoints to listen on (one slapd serves every node). */
  listen: Endpoint[];
  content: DirectoryContent;
  /** The rootdn's password (default the desktop's; another makes every bind fail with invalidCredentials). */
  password?: string;
  slapd?: string;
  /**
   * Loopback address the readiness probes connect from. The lab passes its housekeeping address, which its capture
   * filter leaves out: a probe's connection, or its closing FINs, must not reach the capture as a 'workstation'.
   */
  probeFrom?: string;
  log?(line: string): void;
}

export interface LdapServer extends LabServer {
  readonly urls: string[];
}

/** Waits until something accepts on the endpoint (slapd is up). */
async function waitForListener(e: Endpoint, deadline: number, child: ChildProcess, probeFrom: string | undefined): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new LabError(`slapd exited (code ${child.exitCode}) before listening on ${endpointText(e)}`, 'failed');
    const up = await new Promise<boolean>((resolve) => {
      const s = connect({ host: e.host, port: e.port, localAddress: probeFrom });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new LabError(`slapd did not listen on ${endpointText(e)} within 10 s`, 'failed');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startLdapServer(opts: LdapServerOptions): Promise<LdapServer> {
  for (const e of opts.listen) assertLoopback(e.host, 'LDAP directory');
  if (opts.probeFrom !== undefined) assertLoopback(opts.probeFrom, 'LDAP readiness probe');
  const executable = async (path: string): Promise<string | undefined> => access(path, constants.X_OK).then(() => path, () => undefined);
  const slapd = opts.slapd ? await executable(opts.slapd) : await findSlapd();
  const slapadd = opts.slapd ? await executable(join(dirname(opts.slapd), 'slapadd')) : await findSlapd('slapadd');
  if (!slapd || !slapadd) throw new LabError(`${opts.slapd ?? 'slapd'} not found: ${SLAPD_INSTALL_HINT}`, 'environment');
  const dir = await mkdtemp(join(tmpdir(), 'ctiscope-lab-slapd-'));
  let child: ChildProcess | undefined;
  const cleanup = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const { modulePath, schemaDir } = slapdLayout();
    await mkdir(join(dir, 'db'));
    await writeFile(join(dir, 'cad.schema'), cadSchema());
    const password = opts.password ?? LDAP_PASSWORD;
    const conf = [
      `include ${join(schemaDir, 'core.schema')}`,
      `include ${join(schemaDir, 'cosine.schema')}`,
      `include ${join(schemaDir, 'inetorgperson.schema')}`,
      `include ${join(dir, 'cad.schema')}`,
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      ...(modulePath ? [`modulepath ${modulePath}`, 'moduleload back_mdb'] : []),
      'database mdb',
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${LDAP_BIND_DN}"`,
      `rootpw ${password}`,
      `directory ${join(dir, 'db')}`,
      'maxsize 16777216',
      '',
    ].join('\n');
    await writeFile(join(dir, 'slapd.conf'), conf);
    await writeFile(join(dir, 'cad.ldif'), toLdif(directoryEntries(opts.content)));
    const added = spawnSync(slapadd, ['-q', '-f', join(dir, 'slapd.conf'), '-l', join(dir, 'cad.ldif')], { encoding: 'utf8', timeout: 20_000 });
    if (added.status !== 0) throw new LabError(`slapadd could not load the CAD entries: ${(added.stderr || added.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`, 'failed');
    const urls = opts.listen.map((e) => `ldap://${endpointText(e)}/`);
    let stderr = '';
    child = spawn(slapd, ['-f', join(dir, 'slapd.conf'), '-h', urls.join(' '), '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (t: string) => {
      if (stderr.length < 16_384) stderr += t;
    });
    child.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    try {
      for (const e of opts.listen) await waitForListener(e, deadline, child, opts.probeFrom);
    } catch (e) {
      const detail = stderr.trim().split('\n').slice(-3).join(' / ');
      if (/Address already in use/i.test(stderr)) throw new LabError(`LDAP directory: ${opts.listen.map(endpointText).join(', ')} already in use`, 'address-in-use');
      throw new LabError(`${(e as Error).message}${detail ? `: ${detail}` : ''}`, 'failed');
    }
    opts.log?.(`ldap: slapd ${child.pid} serving ${LDAP_SUFFIX} on ${urls.join(' ')}`);
    let closing: Promise<void> | undefined;
    return {
      name: 'LDAP directory (slapd)',
      host: opts.listen[0].host,
      port: opts.listen[0].port,
      urls,
      close: () => (closing ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
