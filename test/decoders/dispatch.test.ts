/**
 * Content detection in the dispatcher (src/decoders/dispatch.ts), with a probe and a decoder that record what
 * they are given: a flow decided by its first bytes is probed and decoded on the bytes the tracker handed over,
 * not on a copy (traffic no decoder reads costs no copy); a flow the first bytes leave undecided is probed on
 * what each direction sent so far, joined, and its decoder then gets every byte seen, in order, with its frame.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher, type ProtocolRegistry } from '../../src/decoders/dispatch.js';
import { DEFAULT_PROFILES, PortMap, type FlowClassification, type ServiceDef } from '../../src/decoders/profile.js';
import { DEFAULT_REGISTRY } from '../../src/decoders/registry.js';
import type { ContentProbe, Direction, FlowInfo, FlowRecord, StreamDecoder } from '../../src/decoders/types.js';

/** A protocol the probe knows by a 0x47 anywhere in what it is shown; 0x3f first means maybe (show me more); else no. */
function recorder() {
  const probed: Array<{ bytes: Uint8Array; copy: number[]; dir: Direction }> = [];
  const decoded: Array<{ bytes: Uint8Array; copy: number[]; dir: Direction; frame: number }> = [];
  const probe: ContentProbe = (b, dir) => {
    probed.push({ bytes: b, copy: [...b], dir });
    if (b.includes(0x47)) return 'yes';
    return b[0] === 0x3f ? 'maybe' : 'no';
  };
  const decoder: StreamDecoder = {
    data(dir, bytes, frame) {
      decoded.push({ bytes, copy: [...bytes], dir, frame });
    },
    gap() {},
    end() {},
  };
  const registry: ProtocolRegistry = { ged188: { phase: 'cti-session', probeTcp: probe, tcp: () => decoder } };
  const classified: FlowClassification[] = [];
  const dispatcher = createDispatcher({
    registry,
    portMap: new PortMap(DEFAULT_PROFILES, []),
    decode: {},
    emit() {},
    classified: (_info, cls) => classified.push(cls),
  });
  return { dispatcher, probed, decoded, classified };
}

let nextId = 0;
const info = (): FlowInfo => ({
  id: nextId++,
  transport: 'tcp',
  clientIp: '10.0.0.1',
  clientPort: 50000,
  serverIp: '10.0.0.2',
  // A port no profile names: the flow is classified by content.
  serverPort: 47001,
  client: '10.0.0.1:50000',
  server: '10.0.0.2:47001',
  roleBy: 'syn',
  firstFrame: 1,
  start: 0,
});

describe('content detection', () => {
  it('decides a flow no decoder reads on its first bytes, where they lie', () => {
    const r = recorder();
    const consumer = r.dispatcher(info())!;
    const first = new Uint8Array([1, 2, 3, 4]);
    expect(consumer.data('c2s', first, 4, 0.1)).toBe(false);
    expect(r.probed).toHaveLength(1);
    expect(r.probed[0].bytes).toBe(first);
    expect(r.classified.map((c) => [c.protocol, c.detectedBy])).toEqual([['unknown', 'port']]);
    expect(r.decoded).toHaveLength(0);
  });

  it('hands a flow found on its first bytes to its decoder with those very bytes', () => {
    const r = recorder();
    const consumer = r.dispatcher(info())!;
    const first = new Uint8Array([0x47, 9, 9]);
    expect(consumer.data('s2c', first, 5, 0.1)).toBe(true);
    expect(r.probed.map((p) => p.bytes)).toEqual([first]);
    expect(r.probed[0].bytes).toBe(first);
    expect(r.classified.map((c) => [c.protocol, c.detectedBy])).toEqual([['ged188', 'content']]);
    expect(r.decoded.map((d) => [d.dir, d.frame, d.copy])).toEqual([['s2c', 5, [0x47, 9, 9]]]);
    expect(r.decoded[0].bytes).toBe(first);
    // Later bytes go straight to the decoder.
    const next = new Uint8Array([7]);
    consumer.data('c2s', next, 6, 0.2);
    expect(r.decoded[1].bytes).toBe(next);
    expect(r.probed).toHaveLength(1);
  });

  it('keeps what an undecided flow sent, probes each direction joined, and replays it all in order', () => {
    const r = recorder();
    const consumer = r.dispatcher(info())!;
    const a = new Uint8Array([0x3f, 1]);
    const b = new Uint8Array([2, 3]);
    const c = new Uint8Array([0x3f, 0x47]);
    expect(consumer.data('c2s', a, 4, 0.1)).toBe(true);
    // The caller reuses its buffer: what was kept must be a copy.
    a.fill(0);
    expect(consumer.data('c2s', b, 5, 0.2)).toBe(true);
    expect(r.probed.at(-1)!.copy).toEqual([0x3f, 1, 2, 3]);
    expect(r.classified).toHaveLength(0);
    expect(consumer.data('s2c', c, 6, 0.3)).toBe(true);
    expect(r.probed.at(-1)).toMatchObject({ dir: 's2c', copy: [0x3f, 0x47] });
    expect(r.classified.map((x) => x.protocol)).toEqual(['ged188']);
    expect(r.decoded.map((d) => [d.dir, d.frame, d.copy])).toEqual([
      ['c2s', 4, [0x3f, 1]],
      ['c2s', 5, [2, 3]],
      ['s2c', 6, [0x3f, 0x47]],
    ]);
  });

  it('gives up after the probe limit, whatever the probes say', () => {
    const r = recorder();
    const consumer = r.dispatcher(info())!;
    const big = new Uint8Array(3000).fill(0x3f);
    expect(consumer.data('c2s', big, 4, 0.1)).toBe(false);
    expect(r.probed[0].bytes).toBe(big);
    expect(r.classified.map((c) => c.protocol)).toEqual(['unknown']);
  });
});

describe('a port whose first bytes say otherwise', () => {
  const te = new TextEncoder();
  const HTTP = te.encode('GET /d/wallboard HTTP/1.1\r\nHost: app:3000\r\n\r\n');
  const GIOP_REQUEST = new Uint8Array([0x47, 0x49, 0x4f, 0x50, 1, 2, 1, 0, 0, 0, 0, 0]);
  const record = { state: 'SF' } as unknown as FlowRecord;

  function dispatch(ports: ServiceDef[] = []) {
    const classified: FlowClassification[] = [];
    const dispatcher = createDispatcher({
      registry: DEFAULT_REGISTRY,
      portMap: new PortMap(DEFAULT_PROFILES, ports),
      decode: {},
      emit() {},
      classified: (_info, cls) => classified.push(cls),
    });
    return { dispatcher, classified };
  }
  const licensingFlow = (roleBy: FlowInfo['roleBy']): FlowInfo => ({ ...info(), serverPort: 3000, server: '10.0.0.2:3000', roleBy });

  it('an HTTP request on the licensing port, its handshake captured, is not licensing: content decides', () => {
    const r = dispatch();
    const consumer = r.dispatcher(licensingFlow('syn'))!;
    expect(r.classified).toEqual([]); // not before its first bytes
    consumer.data('c2s', HTTP, 4, 0.1);
    consumer.end(record);
    expect(r.classified.map((c) => [c.service, c.protocol, c.phase])).toEqual([['port-3000', 'unknown', 'other']]);
  });

  it('GIOP on the licensing port is licensing, decoded from its first bytes', () => {
    const r = dispatch();
    const consumer = r.dispatcher(licensingFlow('syn'))!;
    consumer.data('c2s', GIOP_REQUEST, 4, 0.1);
    expect(r.classified.map((c) => [c.service, c.protocol, c.detectedBy])).toEqual([['licensing', 'giop', 'port']]);
  });

  it('the port stands when the bytes cannot be judged: a flow picked up mid-stream, a hole first, no payload, or the user\'s --port', () => {
    const mid = dispatch();
    mid.dispatcher(licensingFlow('port'))!.data('c2s', HTTP, 4, 0.1);
    const hole = dispatch();
    const h = hole.dispatcher(licensingFlow('syn'))!;
    h.gap('c2s', 1000, 4, 0.1);
    h.data('c2s', HTTP, 5, 0.2);
    const empty = dispatch();
    empty.dispatcher(licensingFlow('syn'))!.end(record);
    const user = dispatch([{ service: 'licensing', label: 'licensing', protocol: 'giop', phase: 'licensing', ports: [3000] }]);
    user.dispatcher(licensingFlow('syn'))!.data('c2s', HTTP, 4, 0.1);
    for (const r of [mid, hole, empty, user]) expect(r.classified.map((c) => [c.service, c.protocol])).toEqual([['licensing', 'giop']]);
  });

  it('MSRPC on a desktop-service port is no desktop service', () => {
    const rpc = dispatch();
    const c = rpc.dispatcher({ ...info(), serverPort: 59003, server: '10.0.0.2:59003' })!;
    c.data('c2s', new Uint8Array([5, 0, 11, 3, 16, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0]), 4, 0.1);
    c.end(record);
    expect(rpc.classified.map((x) => [x.service, x.protocol])).toEqual([['port-59003', 'unknown']]);
  });
});
