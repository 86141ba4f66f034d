/**
 * The sequence diagram as text: Mermaid and PlantUML (for slides and wikis) and a plain terminal listing.
 * Labels come from packets, so each format's special characters are neutralised before they reach it.
 */

import { offsetText, type SequenceDiagram, type SequenceParty, type SequenceRow } from './model.js';
import { pushAll } from '../../array-loops.js';

/** Party names for prose: the role, with the address when two parties share a role. */
export function partyNames(parties: readonly SequenceParty[]): string[] {
  const counts = new Map<string, number>();
  for (const p of parties) counts.set(p.role, (counts.get(p.role) ?? 0) + 1);
  return parties.map((p) => ((counts.get(p.role) ?? 0) > 1 || p.side === 'subject' ? `${p.role} ${p.address}` : p.role));
}

// ---------- Mermaid ----------

/** Mermaid text: entity codes for what its grammar reads (; # < > and line breaks). */
function mermaidText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/;/g, '#59;')
    .replace(/</g, '#60;')
    .replace(/>/g, '#62;')
    .replace(/%%/g, '%#37;')
    .trim() || ' ';
}

export function renderSequenceMermaid(d: SequenceDiagram): string {
  const out = ['sequenceDiagram', `    title ${mermaidText(d.title)}`];
  for (const p of d.parties) out.push(`    participant ${p.id} as ${mermaidText(`${p.role} ${p.address}`)}`);
  for (const r of d.rows) {
    const lines = mermaidRow(r, d);
    if (r.failed) {
      out.push('    rect rgb(253, 222, 222)');
      for (const l of lines) out.push(`    ${l}`);
      out.push('    end');
    }
    else pushAll(out, lines);
  }
  return out.join('\n') + '\n';
}

function mermaidRow(r: SequenceRow, d: SequenceDiagram): string[] {
  const from = d.parties[r.from]?.id ?? 'P0';
  const to = d.parties[r.to]?.id ?? 'P0';
  const label = mermaidText(`${offsetText(r.time, d.origin)} ${r.label}`);
  const lines: string[] = [];
  const last = d.parties[d.parties.length - 1]?.id ?? 'P0';
  switch (r.kind) {
    case 'idle':
      lines.push(`    Note over P0,${last}: ${mermaidText(`⋯ ${r.label} ⋯`)}`);
      break;
    case 'heartbeats':
    case 'note':
      lines.push(`    Note over ${from},${to}: ${label}`);
      break;
    default: {
      const lost = r.kind === 'syn' && /no answer/.test(r.label);
      const arrow = lost ? '-x' : r.kind === 'connect' || r.kind === 'fin' || r.from > r.to ? '-->>' : '->>';
      lines.push(`    ${from}${arrow}${to}: ${label}`);
    }
  }
  for (const f of r.findings) lines.push(`    Note over ${from}${from === to ? '' : `,${to}`}: ${mermaidText(`${f.kind}: ${f.message}`)}`);
  return lines;
}

// ---------- PlantUML ----------

/** PlantUML text: no line breaks, no backslashes (escapes), creole markers kept literal with ~. */
function plantText(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/\\/g, '/')
    .replace(/(\*\*|\/\/|""|--|__|~~|==)/g, (m) => `~${m[0]}~${m[1]}`)
    .trim() || ' ';
}

function plantQuoted(s: string): string {
  return plantText(s).replace(/"/g, "'");
}

export function renderSequencePlantUml(d: SequenceDiagram): string {
  const out = ['@startuml', `title ${plantText(d.title)}`, 'skinparam responseMessageBelowArrow true', 'hide footbox'];
  for (const p of d.parties) out.push(`participant "${plantQuoted(p.role)}\\n${plantQuoted(p.address)}" as ${p.id}`);
  for (const r of d.rows) {
    const from = d.parties[r.from]?.id ?? 'P0';
    const to = d.parties[r.to]?.id ?? 'P0';
    const label = plantText(`${offsetText(r.time, d.origin)} ${r.label}`);
    const red = r.failed ? '[#red]' : '';
    switch (r.kind) {
      case 'idle':
        out.push(`...${plantText(r.label)}...`);
        break;
      case 'heartbeats':
      case 'note':
        out.push(`note over ${from}${from === to ? '' : `, ${to}`}${r.failed ? ' #FFDDDD' : ''} : ${label}`);
        break;
      default: {
        const lost = r.kind === 'syn' && /no answer/.test(r.label);
        const dotted = r.kind === 'connect' || r.kind === 'fin' || r.from > r.to;
        const arrow = lost ? `-${red}>x` : dotted ? `-${red}->` : `-${red}>`;
        out.push(`${from} ${arrow} ${to} : ${label}`);
      }
    }
    for (const f of r.findings) out.push(`note over ${from}${from === to ? '' : `, ${to}`} #FFDDDD : ${plantText(`${f.kind}: ${f.message}`)}`);
  }
  out.push('@enduml');
  return out.join('\n') + '\n';
}

// ---------- plain text ----------

export function renderSequenceTextListing(d: SequenceDiagram, width = 100): string {
  const names = partyNames(d.parties);
  const out = [d.title, `lifelines: ${d.parties.map((p, i) => `${names[i]}${p.side === 'server' && !names[i].includes(p.address) ? ` (${p.address})` : ''}`).join(' · ')}`, ''];
  const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  for (const r of d.rows) {
    const t = offsetText(r.time, d.origin).padStart(10);
    const mark = r.failed ? ' ✗ ' : '   ';
    if (r.kind === 'idle') out.push(`${t}   ⋯ ${r.label} ⋯`);
    // A note between a party and itself (a finding about a server not drawn) is a note, not an exchange.
    else if (r.kind === 'note' && r.from === r.to) out.push(`${t}${mark}note: ${r.label}`);
    else if (r.kind === 'heartbeats' || r.kind === 'note') out.push(`${t}${mark}${names[r.from]} ⇄ ${names[r.to]}: ${r.label}`);
    else {
      const arrow = r.kind === 'syn' && /no answer/.test(r.label) ? '-x' : '→';
      out.push(`${t}${mark}${clip(`${names[r.from]} ${arrow} ${names[r.to]}: ${r.label}`, width - 13)}`);
    }
    for (const f of r.findings) out.push(`${' '.repeat(13)}${f.severity === 'error' ? '✗' : '!'} ${f.kind}: ${f.message}`);
  }
  return out.join('\n') + '\n';
}
