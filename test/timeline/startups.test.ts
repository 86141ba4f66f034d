import { describe, expect, it } from 'vitest';
import { splitStartups } from '../../src/timeline/startups.js';
import type { AnalyzedStep } from '../../src/timeline/state.js';

let n = 0;
function step(phase: AnalyzedStep['phase'], start: number, end = start + 0.05): AnalyzedStep {
  n++;
  return { id: `s${n}`, phase, service: phase, server: '192.0.2.1:1', protocol: 'x', start, end, ok: true, summary: '', frames: [], facts: {}, kind: 'generic', flowStart: start, label: phase };
}
const phasesOf = (steps: AnalyzedStep[]) => splitStartups(steps).map((su) => su.steps.map((s) => s.phase).join(' '));

describe('splitStartups', () => {
  it('one start-up, DNS first, LDAP on side B after side A: one', () => {
    expect(phasesOf([step('dns', 0), step('config', 0.1), step('config', 5), step('licensing', 6), step('cti-session', 7), step('login', 8), step('services', 9)])).toEqual([
      'dns config config licensing cti-session login services',
    ]);
  });

  it('a directory read and licence request after the CTI session ended: a second start-up', () => {
    expect(phasesOf([step('config', 0), step('licensing', 1), step('cti-session', 2, 60), step('login', 3), step('config', 120), step('licensing', 121)])).toEqual([
      'config licensing cti-session login',
      'config licensing',
    ]);
  });

  it('a directory read after a refused licence: a second start-up (the desktop started again)', () => {
    expect(phasesOf([step('config', 0), step('licensing', 1), step('config', 120), step('licensing', 121), step('cti-session', 122)])).toEqual([
      'config licensing',
      'config licensing cti-session',
    ]);
  });

  it('a directory read while the session heartbeats on is the running desktop, not a restart; a CTI session opened again is a reconnection', () => {
    expect(phasesOf([step('config', 0), step('licensing', 1), step('cti-session', 2, 600), step('login', 3), step('config', 300), step('cti-session', 700), step('login', 701)])).toEqual([
      'config licensing cti-session login config cti-session login',
    ]);
  });
});
