/**
 * Noisy twins of the reference scenarios: the same desktop traffic, byte for byte and at the same times, with
 * a Windows PC's background (windows-noise.ts) merged in, starting about a second before the desktop's first
 * frame as a real capture would. A twin's expected analysis is its clean scenario's: it has no
 * .expected.json of its own, and NOISY_TWINS says which scenario each mirrors.
 */

import { ADDR, agentFor } from './desktop.js';
import { hashString, Rng } from './prng.js';
import { SCENARIOS, SERVER_SIDE_SCENARIOS, type ScenarioOutput } from './scenarios.js';
import type { SynthPacket } from './tcp.js';
import { mergeCaptures, windowsNoise } from './windows-noise.js';

export interface NoisyTwin {
  /** The twin's sample name: samples/<name>.pcapng. */
  name: string;
  /** The clean scenario it mirrors (a key of SCENARIOS): its expected analysis holds for the twin. */
  mirrors: string;
  build(): ScenarioOutput;
}

const ipAt = (d: Uint8Array, o: number): string => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;

/** What a scenario's frames say of one PC: when it first sent, and which UDP ports it used. */
function pcFootprint(packets: SynthPacket[], host: string): { first: number; udpPorts: Set<number> } {
  let first = Infinity;
  const udpPorts = new Set<number>();
  for (const p of packets) {
    const d = p.data;
    if (d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00 || ipAt(d, 26) !== host) continue;
    if (p.time < first) first = p.time;
    if (d[23] === 17) udpPorts.add((d[34] << 8) | d[35]);
  }
  return { first, udpPorts };
}

/**
 * `s` with every workstation's Windows background merged in: each PC's noise runs from about 1 s before its
 * own first frame to the end of the capture (never past it, so the capture ends where the clean one does).
 * Works on any scenario; a SPAN capture gets only the PCs' unicast traffic to the site's servers.
 */
export function withWindowsNoise(s: ScenarioOutput, seed = hashString(`${s.name}-noisy`)): ScenarioOutput {
  const t0 = s.packets[0]?.time ?? 0;
  const end = s.packets[s.packets.length - 1]?.time ?? t0;
  const span = s.expected.workstations.length > 1;
  const rng = new Rng(seed);
  let packets = s.packets;
  for (const ws of s.expected.workstations) {
    const { first, udpPorts } = pcFootprint(s.packets, ws.host);
    const start = Number.isFinite(first) ? first : t0;
    const lead = 1 + rng.between(0, 0.25);
    const noise = windowsNoise({
      host: ws.host,
      from: start - t0 - lead,
      to: end - t0,
      seed: rng.nextUint32(),
      dnsServer: ADDR.dns,
      pcName: agentFor(ws.host).pcName,
      startTime: t0,
      vantage: span ? 'span' : 'client',
      busyPorts: udpPorts,
    });
    packets = mergeCaptures(packets, noise);
  }
  return {
    ...s,
    name: `${s.name}-noisy`,
    description: `${s.description}; with a Windows PC's background traffic (NetBIOS, LLMNR, mDNS, SSDP, DHCP, ARP, DNS, Kerberos, AD LDAP and CLDAP, SMB, HTTPS)`,
    packets,
  };
}

/** Every reference scenario's noisy twin, in the order of SCENARIOS. */
/** One twin per scenario taken at an agent PC or a SPAN port beside the desktops. */
export const NOISY_TWINS: readonly NoisyTwin[] = Object.entries(SCENARIOS).filter(([name]) => !SERVER_SIDE_SCENARIOS.has(name)).map(([mirrors, build]) => ({
  name: `${mirrors}-noisy`,
  mirrors,
  build: () => withWindowsNoise(build()),
}));
