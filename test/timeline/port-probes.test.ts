/**
 * Hosts whose connections to the desktop services show no desktop are no subjects (port checks, a scan, another
 * program on a port a later service uses); desktops that get nowhere stay workstations. A desktop retries its one
 * service (on the other node) until it answers with data; a scanner goes through ports.
 */

import { describe, expect, it } from 'vitest';
import { Sim, NODE_A, NODE_B, cadLoginOk } from './sim.js';

const SRC = { files: ['probes.pcapng'], packets: 10 };

describe('connections that show no desktop', () => {
  it('a desktop whose directory refuses it on both nodes is a failed workstation', () => {
    const sim = new Sim();
    sim.failedConnect('10.10.20.41', NODE_A, 38983, [0], 'REJ');
    sim.failedConnect('10.10.20.41', NODE_B, 38983, [0.2], 'REJ');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations.map((w) => [w.host, w.outcome, w.failedPhase])).toEqual([['10.10.20.41', 'failed', 'config']]);
  });

  it('a CTI OS desktop refused on both servers, or a CTI client on both sides, stays a subject', () => {
    const sim = new Sim();
    sim.failedConnect('10.10.20.42', NODE_A, 42028, [0], 'REJ');
    sim.failedConnect('10.10.20.42', NODE_B, 42028, [0.1], 'S0');
    sim.failedConnect('10.20.0.5', NODE_A, 42027, [0], 'REJ');
    sim.failedConnect('10.20.0.5', NODE_B, 43027, [0.1], 'REJ');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations.map((w) => w.host)).toEqual(['10.10.20.42']);
    expect(doc.ctiClients.map((c) => [c.host, c.outcome])).toEqual([['10.20.0.5', 'failed']]);
  });

  it('attempts with no data to three different services are a scan: no workstation, no CTI client, and the summary says why', () => {
    const sim = new Sim();
    sim.failedConnect('10.10.20.99', NODE_A, 38983, [0], 'REJ');
    sim.failedConnect('10.10.20.99', NODE_A, 3000, [0.001], 'REJ');
    sim.failedConnect('10.10.20.99', NODE_A, 42027, [0.002], 'S0');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations).toEqual([]);
    expect(doc.ctiClients).toEqual([]);
    expect(doc.summary.message).toContain('10.10.20.99 only made connection attempts that carried no data (3: port checks');
  });

  it('two services are not yet a scan', () => {
    const sim = new Sim();
    sim.failedConnect('10.10.20.43', NODE_A, 38983, [0], 'REJ');
    sim.failedConnect('10.10.20.43', NODE_A, 3000, [0.001], 'REJ');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations.map((w) => w.host)).toEqual(['10.10.20.43']);
  });

  it('attempts only at services a desktop reaches later (licensing, desktop services) are no desktop: another program on the port', () => {
    const sim = new Sim();
    sim.failedConnect('10.10.20.44', '10.5.0.8', 3000, [0], 'REJ');
    sim.failedConnect('10.10.20.45', NODE_A, 59004, [0], 'S0');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations).toEqual([]);
    expect(doc.summary.message).toContain('10.10.20.44, 10.10.20.45 only made connection attempts that carried no data (2: ');
  });

  it("a scan of a PC's own ports, all refused, leaves the PC a workstation (the PC is no server for it)", () => {
    const sim = new Sim();
    cadLoginOk(sim, '10.10.20.31', 0, { heartbeats: 2 });
    for (const [i, port] of [38983, 3000, 12028, 59000, 59004].entries()) sim.failedConnect('10.10.20.99', '10.10.20.31', port, [1 + i * 0.001], 'REJ');
    const doc = sim.an.finish({ ...SRC, packets: sim.frame });
    expect(doc.workstations.map((w) => [w.host, w.outcome])).toEqual([['10.10.20.31', 'logged-in']]);
  });
});
