/**
 * Writes every reference scenario as samples/<name>.pcapng and samples/<name>.expected.json, and its noisy
 * twin as samples/<name>-noisy.pcapng (no expected file: a twin's expected analysis is its clean scenario's,
 * see NOISY_TWINS). Run after a build: `node dist/lab/synth/write-samples.js samples`. Deterministic: the
 * same bytes every run.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LinkType } from '../../capture/types.js';
import { PcapngWriter } from '../../capture/writer.js';
import { NOISY_TWINS } from './noisy.js';
import { SCENARIOS, type ScenarioOutput } from './scenarios.js';

export const SAMPLE_COMMENT_PREFIX = 'Synthetic ctiscope reference scenario';

/** One scenario as pcapng bytes: SHB with a comment, one Ethernet interface, NRB with the server names, the frames. */
export function scenarioToPcapng(s: ScenarioOutput): Uint8Array {
  const w = new PcapngWriter({
    tsResolution: 'us',
    comment: `${SAMPLE_COMMENT_PREFIX} "${s.name}": ${s.description}. Made by ctiscope's generator, not captured; see samples/SCENARIOS.md.`,
    application: 'ctiscope sample generator',
  });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'eth0' });
  w.writeNames(s.names);
  for (const p of s.packets) w.writePacket(iface, p.time, p.data);
  return w.toBytes();
}

export function expectedJson(s: ScenarioOutput): string {
  return JSON.stringify(s.expected, null, 2) + '\n';
}

/** Writes every scenario into `outDir`; returns the names written. */
export function writeSamples(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, build] of Object.entries(SCENARIOS)) {
    const s = build();
    writeFileSync(join(outDir, `${name}.pcapng`), scenarioToPcapng(s));
    writeFileSync(join(outDir, `${name}.expected.json`), expectedJson(s));
    written.push(name);
  }
  for (const twin of NOISY_TWINS) {
    writeFileSync(join(outDir, `${twin.name}.pcapng`), scenarioToPcapng(twin.build()));
    written.push(twin.name);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? 'samples';
  for (const name of writeSamples(out)) console.log(`${join(out, name)}.pcapng`);
}
