import { describe, expect, it } from 'vitest';
import { createFlowTracker, type FlowTrackerOptions } from '../../../src/decoders/net/index.js';
import type { CapturedPacket } from '../../../src/capture/types.js';
import type { FlowRecord } from '../../../src/decoders/types.js';
import { bytes, ether, F, fragmentHeader, ipv4, ipv6, packet, RecordingConsumer, recordingTracker, tcp, tcpFrame, text, udp, udpFrame } from './packets.js';

const C = '10.0.0.1';
const S = '10.0.0.2';

/** A TCP conversation between C:cport and S:sport, frames numbered from 1, 10 ms apart by default. */
class Conversation {
  frames: CapturedPacket[] = [];
  time = 1000;
  constructor(
    readonly cport = 40000,
    readonly sport = 80,
  ) {}
  c(flags: number, seq: number, ack = 0, payload = '', dt = 0.01): this {
    this.time += dt;
    this.frames.push(tcpFrame(0, this.time, C, S, { sport: this.cport, dport: this.sport, seq, ack, flags, payload: text(payload) }));
    return this;
  }
  s(flags: number, seq: number, ack = 0, payload = '', dt = 0.01): this {
    this.time += dt;
    this.frames.push(tcpFrame(0, this.time, S, C, { sport: this.sport, dport: this.cport, seq, ack, flags, payload: text(payload) }));
    return this;
  }
  /** SYN, SYN-ACK, ACK with client ISN 100 and server ISN 500. */
  handshake(): this {
    return this.c(F.SYN, 100).s(F.SYN | F.ACK, 500, 101).c(F.ACK, 101, 501);
  }
}

function run(frames: CapturedPacket[], opts: Partial<FlowTrackerOptions> = {}) {
  const { tracker, records, consumers } = recordingTracker(opts);
  frames.forEach((f, i) => {
    if (f.frame === 0) f.frame = i + 1;
    tracker.packet(f);
  });
  const stats = tracker.finish();
  return { records, consumers, stats, tracker };
}

const state = (conv: Conversation) => run(conv.frames).records[0].state;

describe('connection states (Zeek conn_state)', () => {
  it('S0: SYNs never answered, with attempts counted and timed', () => {
    const conv = new Conversation().c(F.SYN, 100).c(F.SYN, 100, 0, '', 1).c(F.SYN, 100, 0, '', 2);
    const [r] = run(conv.frames).records;
    expect([r.state, r.history, r.syns, r.synFrames, r.retransmissions, r.roleBy]).toEqual(['S0', 'ST', 3, [1, 2, 3], 2, 'syn']);
    expect(r.synSpan).toBeCloseTo(3, 6);
  });

  it('REJ: SYN answered by RST', () => {
    const [r] = run(new Conversation().c(F.SYN, 100).s(F.RST | F.ACK, 0, 101).frames).records;
    expect([r.state, r.history, r.rstFrame, r.rstBy]).toEqual(['REJ', 'Sr', 2, 's2c']);
  });

  it('S1: established, not closed', () => {
    const [r] = run(new Conversation().handshake().c(F.ACK | F.PSH, 101, 501, 'hi').frames).records;
    expect([r.state, r.history, r.synAckFrame, r.openAtEnd]).toEqual(['S1', 'ShAD', 2, true]);
  });

  it('SF: FIN both ways', () => {
    const conv = new Conversation().handshake().c(F.ACK | F.PSH, 101, 501, 'hi').s(F.ACK | F.PSH, 501, 103, 'yo')
      .c(F.FIN | F.ACK, 103, 503).s(F.FIN | F.ACK, 503, 104).c(F.ACK, 104, 504);
    const [r] = run(conv.frames).records;
    expect([r.state, r.history, r.finFrames, r.openAtEnd]).toEqual(['SF', 'ShADdFf', [6, 7], false]);
  });

  it('S2 / S3: only the client / only the server tried to close', () => {
    expect(state(new Conversation().handshake().c(F.FIN | F.ACK, 101, 501))).toBe('S2');
    expect(state(new Conversation().handshake().s(F.FIN | F.ACK, 501, 101))).toBe('S3');
  });

  it('RSTO / RSTR: established, then reset by client / server', () => {
    expect(state(new Conversation().handshake().c(F.RST | F.ACK, 101, 501))).toBe('RSTO');
    expect(state(new Conversation().handshake().s(F.RST, 501))).toBe('RSTR');
  });

  it('RSTOS0: the client sent SYN then RST, no SYN-ACK', () => {
    expect(state(new Conversation().c(F.SYN, 100).c(F.RST, 101))).toBe('RSTOS0');
  });

  it('RSTRH: the server sent SYN-ACK then RST, the SYN was not seen', () => {
    const [r] = run(new Conversation().s(F.SYN | F.ACK, 500, 101).s(F.RST, 501).frames).records;
    expect([r.state, r.client, r.server, r.roleBy]).toEqual(['RSTRH', `${C}:40000`, `${S}:80`, 'syn']);
  });

  it('SH: the client sent SYN then FIN, no SYN-ACK', () => {
    expect(state(new Conversation().c(F.SYN, 100).c(F.FIN, 101))).toBe('SH');
  });

  it('SHR: the server sent SYN-ACK then FIN, the SYN was not seen', () => {
    expect(state(new Conversation().s(F.SYN | F.ACK, 500, 101).s(F.FIN | F.ACK, 501, 101))).toBe('SHR');
  });

  it('OTH: mid-stream, no SYN', () => {
    const [r] = run(new Conversation().c(F.ACK | F.PSH, 7000, 9000, 'abc').s(F.ACK, 9000, 7003).frames).records;
    expect([r.state, r.history, r.roleBy]).toEqual(['OTH', 'Da', 'port']);
  });

  it('the SYN-ACK is recorded when the SYN was lost and the client ACKs it: established', () => {
    expect(state(new Conversation().s(F.SYN | F.ACK, 500, 101).c(F.ACK, 101, 501).c(F.ACK | F.PSH, 101, 501, 'x'))).toBe('S1');
  });
});

describe('client and server', () => {
  it('first packet a SYN-ACK: its sender is the server', () => {
    const [r] = run(new Conversation(5000, 6000).s(F.SYN | F.ACK, 500, 101).frames).records;
    expect([r.client, r.server, r.roleBy]).toEqual([`${C}:5000`, `${S}:6000`, 'syn']);
  });

  it('mid-stream: a well-known port, a profile port, else the first sender', () => {
    // Server speaks first from port 389.
    const a = run(new Conversation(50000, 389).s(F.ACK, 1, 1, 'x').frames).records[0];
    expect([a.client, a.server, a.roleBy]).toEqual([`${C}:50000`, `${S}:389`, 'port']);
    // Port 42027 is in the profile.
    const b = run(new Conversation(50000, 42027).s(F.ACK, 1, 1, 'x').frames, { isServerPort: (p) => p === 42027 }).records[0];
    expect([b.client, b.server, b.roleBy]).toEqual([`${C}:50000`, `${S}:42027`, 'port']);
    // Neither: whoever sent first is the client.
    const c = run(new Conversation(50000, 42027).s(F.ACK, 1, 1, 'x').frames).records[0];
    expect([c.client, c.server, c.roleBy]).toEqual([`${S}:42027`, `${C}:50000`, 'first-packet']);
  });

  it('both ports below 1024: the lower one is the server', () => {
    const [r] = run([udpFrame(1, 1, S, C, 138, 137, text('x'))]).records;
    expect([r.client, r.server, r.roleBy]).toEqual([`${S}:138`, `${C}:137`, 'port']);
  });
});

describe('flow identity', () => {
  it('a retransmitted SYN (same ISN) stays in the flow; a new ISN on the same ports after close is a new flow', () => {
    const conv = new Conversation().c(F.SYN, 100).c(F.SYN, 100).s(F.RST | F.ACK, 0, 101).c(F.SYN, 9999, 0, '', 0.5);
    const { records } = run(conv.frames);
    expect(records.map((r) => [r.id, r.state, r.syns, r.firstFrame])).toEqual([
      [0, 'REJ', 2, 1],
      [1, 'S0', 1, 4],
    ]);
  });

  it('a new ISN on an unanswered attempt starts a new flow', () => {
    const conv = new Conversation().c(F.SYN, 100).c(F.SYN, 200, 0, '', 10);
    expect(run(conv.frames).records.map((r) => [r.id, r.syns])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('numbers flows per transport in order of first packet', () => {
    const frames = [
      udpFrame(0, 1, C, S, 1111, 53, text('q1')),
      tcpFrame(0, 1, C, S, { sport: 2222, dport: 80, seq: 1, flags: F.SYN }),
      udpFrame(0, 1, C, S, 3333, 53, text('q2')),
      tcpFrame(0, 1, C, S, { sport: 4444, dport: 80, seq: 1, flags: F.SYN }),
      udpFrame(0, 1, S, C, 53, 1111, text('a1')),
    ];
    const recs = run(frames).records;
    const ids = (t: string) => recs.filter((r) => r.transport === t).sort((a, b) => a.firstFrame - b.firstFrame).map((r) => [r.id, r.clientPort]);
    expect(ids('udp')).toEqual([
      [0, 1111],
      [1, 3333],
    ]);
    expect(ids('tcp')).toEqual([
      [0, 2222],
      [1, 4444],
    ]);
  });

  it('tells apart many flows that share hash buckets (IPv4 and IPv6)', () => {
    const frames: CapturedPacket[] = [];
    for (let i = 0; i < 300; i++) {
      frames.push(udpFrame(0, 1, `10.0.${i >> 8}.${i & 255}`, S, 1000 + (i % 7), 53, text('q')));
      frames.push(packet(0, 1, ether(ipv6({ src: `2001:db8::${i.toString(16)}`, dst: '2001:db8::53', proto: 17, payload: udp(1000, 53, text('q')) }), 0x86dd)));
    }
    for (let i = 0; i < 300; i++) frames.push(udpFrame(0, 2, S, `10.0.${i >> 8}.${i & 255}`, 53, 1000 + (i % 7), text('ans')));
    const { records, stats } = run(frames);
    expect(stats.udpFlows).toBe(600);
    const v4 = records.filter((r) => !r.client.startsWith('['));
    expect(v4.every((r) => r.packets.c2s === 1 && r.packets.s2c === 1 && r.payloadBytes.s2c === 3)).toBe(true);
    expect(records.find((r) => r.client === '[2001:db8::ff]:1000')?.server).toBe('[2001:db8::53]:53');
  });
});

describe('expiry and bounds', () => {
  it('finalises a closed flow after the linger, and an idle one after idleTimeout', () => {
    const ended: [string, boolean][] = [];
    const tracker = createFlowTracker({ onFlowEnd: (r) => ended.push([`${r.transport} ${r.id}`, r.openAtEnd]), idleTimeout: 60 });
    const closed = new Conversation(1).handshake().c(F.RST, 101);
    const idle = new Conversation(2).handshake();
    [...closed.frames, ...idle.frames].forEach((f, i) => tracker.packet({ ...f, frame: i + 1 }));
    expect(tracker.activeFlows).toBe(2);
    tracker.packet(udpFrame(100, 1003.5, C, S, 9, 9, text('tick')));
    expect(ended).toEqual([['tcp 0', false]]);
    tracker.packet(udpFrame(101, 1061, C, S, 9, 9, text('tick')));
    expect(ended).toEqual([
      ['tcp 0', false],
      ['tcp 1', false],
    ]);
    expect(tracker.stats.flowsExpired).toBe(1);
    tracker.finish();
    expect(ended[2]).toEqual(['udp 0', true]);
  });

  it('packets after a close but within the linger stay in the flow', () => {
    const conv = new Conversation().handshake().c(F.FIN | F.ACK, 101, 501).s(F.FIN | F.ACK, 501, 102).c(F.ACK, 102, 502, '', 1);
    const { records } = run(conv.frames);
    expect(records).toHaveLength(1);
    expect(records[0].packets).toEqual({ c2s: 4, s2c: 2 });
  });

  it('evicts the least recently active flow beyond maxFlows', () => {
    const frames = [0, 1, 2, 3].map((i) => udpFrame(0, 1 + i * 0.01, C, S, 2000 + i, 53, text('q')));
    frames.splice(3, 0, udpFrame(0, 1.025, C, S, 2000, 53, text('q again'))); // refreshes port 2000
    const ended: number[] = [];
    const { stats } = run(frames, { maxFlows: 3, onFlowEnd: (r) => ended.push(r.clientPort) });
    expect(stats.flowsEvicted).toBe(1);
    expect(ended[0]).toBe(2001);
  });

  it('counts a consumer\'s weight against maxFlows: a heavy flow makes room by evicting the least recently active, marked evicted', () => {
    // Ports 3000+ are weighed 4 by their consumer (a decoded flow), the others 1; the budget is 10.
    const records: FlowRecord[] = [];
    const tracker = createFlowTracker({
      maxFlows: 10,
      factory: (info) => {
        const c = new RecordingConsumer(info) as RecordingConsumer & { weight: number };
        c.weight = 1;
        const data = c.data.bind(c);
        c.data = (dir, b, frame) => {
          if (info.clientPort >= 3000) c.weight = 4;
          data(dir, b, frame);
        };
        return c;
      },
      onFlowEnd: (r) => records.push(r),
    });
    let t = 1;
    const send = (port: number) => tracker.packet({ ...udpFrame(0, (t += 0.01), C, S, port, 53, text('q')), frame: Math.round(t * 100) });
    for (const port of [2000, 2001, 2002, 2003, 2004, 2005]) send(port); // weight 6
    expect(tracker.activeFlows).toBe(6);
    send(3000); // 6 + 4 = 10: fits
    expect(records).toHaveLength(0);
    send(3001); // room for one more flow (2000 goes), then its weight of 4 takes three more (2001 to 2003)
    expect(records.map((r) => r.clientPort)).toEqual([2000, 2001, 2002, 2003]);
    expect(records.every((r) => r.evictedAt !== undefined && !r.openAtEnd)).toBe(true);
    // Evicted at the time of the packet that needed the room.
    expect(records[0].evictedAt).toBeCloseTo(records[0].end + 0.07, 9);
    send(2004); // refreshed: now the most recent
    send(2006); // 11: 2005 goes, the least recently active
    expect(records.map((r) => r.clientPort).slice(4)).toEqual([2005]);
    const stats = tracker.finish();
    expect(stats.flowsEvicted).toBe(5);
    const atEnd = records.slice(5);
    expect(atEnd.map((r) => r.clientPort).sort()).toEqual([2004, 2006, 3000, 3001]);
    expect(atEnd.every((r) => r.openAtEnd && r.evictedAt === undefined)).toBe(true);
    expect(tracker.activeFlows).toBe(0);
  });

  /** A tracker whose consumers keep TCP flows to port 42027 while idle once bytes reached them (as a CTI session's decoder does). */
  function keepingTracker(opts: Partial<FlowTrackerOptions>) {
    const records: FlowRecord[] = [];
    const tracker = createFlowTracker({
      ...opts,
      factory: (info) => {
        const c = new RecordingConsumer(info) as RecordingConsumer & { keptWhileIdle: boolean };
        c.keptWhileIdle = false;
        const data = c.data.bind(c);
        c.data = (dir, b, frame) => {
          if (info.serverPort === 42027) c.keptWhileIdle = true;
          data(dir, b, frame);
        };
        return c;
      },
      onFlowEnd: (r) => records.push(r),
    });
    return { tracker, records };
  }

  it('a flow its consumer keeps while idle outlives idleTimeout and stays one flow; the others still expire', () => {
    const { tracker, records } = keepingTracker({ idleTimeout: 60 });
    const cti = new Conversation(50064, 42027).handshake().c(F.PSH | F.ACK, 101, 501, 'open');
    const web = new Conversation(50065, 80).handshake().c(F.PSH | F.ACK, 101, 501, 'GET /');
    // Seven minutes of silence on both, then the CTI session speaks again on the same connection.
    cti.c(F.PSH | F.ACK, 105, 501, 'beat', 420).s(F.PSH | F.ACK, 501, 109, 'beat');
    const frames = [...cti.frames.slice(0, 4), ...web.frames, ...cti.frames.slice(4)].sort((a, b) => a.time - b.time);
    frames.forEach((f, i) => tracker.packet({ ...f, frame: i + 1 }));
    // The web flow went at its idle timeout; the CTI session did not.
    expect(records.map((r) => r.serverPort)).toEqual([80]);
    expect(tracker.stats.flowsExpired).toBe(1);
    tracker.finish();
    expect(records).toHaveLength(2);
    const session = records[1];
    expect(session.serverPort).toBe(42027);
    expect(session.openAtEnd).toBe(true);
    expect(session.packets).toEqual({ c2s: 4, s2c: 2 });
    expect(session.end - session.start).toBeGreaterThan(420);
  });

  it('a kept flow is evicted only after every flow that is not, least recently active first', () => {
    const { tracker, records } = keepingTracker({ maxFlows: 3 });
    const first = new Conversation(50064, 42027).handshake().c(F.PSH | F.ACK, 101, 501, 'open');
    const second = new Conversation(50066, 42027);
    second.time = first.time;
    second.handshake().c(F.PSH | F.ACK, 101, 501, 'open');
    let frame = 0;
    for (const f of [...first.frames, ...second.frames]) tracker.packet({ ...f, frame: ++frame });
    let t = second.time;
    const send = (port: number) => tracker.packet({ ...udpFrame(0, (t += 0.01), C, S, port, 53, text('q')), frame: ++frame });
    send(2000); // three flows: fits
    send(2001); // four: the UDP flow goes, though both CTI sessions are older
    expect(records.map((r) => r.clientPort)).toEqual([2000]);
    send(2002); // again the other UDP flow
    expect(records.map((r) => r.clientPort)).toEqual([2000, 2001]);
    tracker.finish();
    expect(records.slice(2).map((r) => r.clientPort).sort()).toEqual([2002, 50064, 50066]);
  });

  it('a closed flow lingering is let go before an open one, and is not counted as evicted', () => {
    const conv = new Conversation().handshake().c(F.RST, 101);
    const other = udpFrame(0, conv.time + 0.01, C, S, 2000, 53, text('q'));
    const third = udpFrame(0, conv.time + 0.02, C, S, 2001, 53, text('q'));
    const { records, stats } = run([...conv.frames, other, third], { maxFlows: 2 });
    expect(records[0].transport).toBe('tcp');
    expect(records[0].evictedAt).toBeUndefined();
    expect(stats.flowsEvicted).toBe(0);
  });
});

describe('payload delivery', () => {
  it('hands ordered TCP bytes to the consumer with their frames, and gaps for holes', () => {
    const conv = new Conversation()
      .handshake()
      .c(F.ACK | F.PSH, 106, 501, 'world') // frame 4: ahead of a hole
      .c(F.ACK | F.PSH, 101, 501, 'hello') // frame 5: fills it
      .c(F.ACK | F.PSH, 111, 501, 'abc') // frame 6
      .c(F.ACK | F.PSH, 111, 501, 'abc') // frame 7: retransmission
      .c(F.ACK | F.PSH, 120, 501, 'xyz') // frame 8: after 6 bytes never captured
      .s(F.ACK, 501, 123); // frame 9: the server acknowledges past the hole
    const { consumers, records } = run(conv.frames);
    const c = consumers[0];
    expect(c.stream('c2s')).toBe('helloworldabc[gap 6]xyz');
    expect(c.events.map((e) => e.frame)).toEqual([5, 4, 6, 8, 8]);
    expect(records[0].retransmissions).toBe(1);
    expect(records[0].gapBytes).toEqual({ c2s: 6, s2c: 0 });
    expect(records[0].payloadBytes.c2s).toBe(5 + 5 + 3 + 3 + 3);
    // The server's ACK (a) is what reveals the client's gap (G).
    expect(records[0].history).toBe('ShADTaG');
    expect(c.record).toBe(records[0]);
  });

  it('does not put RST payload in the stream, but counts it', () => {
    const conv = new Conversation().handshake().s(F.RST | F.ACK, 501, 101, 'diagnostic');
    const { consumers, records } = run(conv.frames);
    expect(consumers[0].stream('s2c')).toBe('');
    expect(records[0].payloadBytes.s2c).toBe(10);
  });

  it('delivers what a snaplen kept and a gap for the rest', () => {
    const whole = tcpFrame(0, 1, C, S, { sport: 40000, dport: 80, seq: 101, ack: 501, flags: F.ACK, payload: text('0123456789') });
    const cut = packet(0, 1, whole.data.subarray(0, whole.data.length - 4), 1, whole.data.length);
    const { consumers, stats } = run([...new Conversation().handshake().frames, cut]);
    expect(consumers[0].stream('c2s')).toBe('012345[gap 4]');
    expect(stats.truncated).toBe(1);
  });

  it('delivers each UDP datagram in one call', () => {
    const frames = [udpFrame(0, 1, C, S, 5060, 5060, text('INVITE')), udpFrame(0, 2, S, C, 5060, 5060, text('100 Trying'))];
    const { consumers, records } = run(frames);
    expect(consumers[0].events).toEqual([
      { kind: 'data', dir: 'c2s', text: 'INVITE', frame: 1 },
      { kind: 'data', dir: 's2c', text: '100 Trying', frame: 2 },
    ]);
    expect([records[0].state, records[0].payloadBytes]).toEqual(['OTH', { c2s: 6, s2c: 10 }]);
  });
});

describe('the server\'s ACK the capture lost (FlowRecord.serverLostAfter)', () => {
  /** The conversation, then a packet of another flow `later` seconds on: the capture going on. */
  const withLater = (conv: Conversation, later: number) => [...conv.frames, tcpFrame(0, conv.time + later, '10.0.0.9', S, { sport: 40001, dport: 80, seq: 1, flags: F.SYN })];
  // A request (frame 4) answered (5, 6), then a second one (7) that nothing of the server's acknowledges.
  const request = () => new Conversation().handshake().c(F.ACK | F.PSH, 101, 501, 'GET /a').s(F.ACK | F.PSH, 501, 107, 'ok').c(F.ACK, 107, 503).c(F.ACK | F.PSH, 107, 503, 'GET /b');

  it('is the frame of the client\'s last data when nothing acknowledged it and the client never sent it again, 3 s on', () => {
    expect(run(withLater(request(), 5)).records.find((r) => r.clientPort === 40000)!.serverLostAfter).toBe(7);
  });

  it('is unset while a retransmission could still be due, or with no capture after the data', () => {
    expect(run(withLater(request(), 1)).records.find((r) => r.clientPort === 40000)!.serverLostAfter).toBeUndefined();
    expect(run(request().frames).records[0].serverLostAfter).toBeUndefined();
  });

  it('is unset when the client sent the data again (the server did not have it), or sent anything after it', () => {
    const again = request().c(F.ACK | F.PSH, 107, 503, 'GET /b', 1);
    expect(run(withLater(again, 5)).records.find((r) => r.clientPort === 40000)!.serverLostAfter).toBeUndefined();
    const closed = request().c(F.ACK | F.FIN, 113, 503);
    expect(run(withLater(closed, 5)).records.find((r) => r.clientPort === 40000)!.serverLostAfter).toBeUndefined();
  });

  it('is unset when the server acknowledged the data, answered or not', () => {
    const acked = request().s(F.ACK, 503, 113);
    expect(run(withLater(acked, 5)).records.find((r) => r.clientPort === 40000)!.serverLostAfter).toBeUndefined();
  });
});

describe('IP layer through the tracker', () => {
  it('reassembles a fragmented UDP datagram and attributes it to the completing frame', () => {
    const dgram = udp(2049, 800, Uint8Array.from({ length: 3000 }, (_, i) => 65 + (i % 26)));
    const frag = (off: number, len: number, more: boolean) =>
      packet(0, 1, ether(ipv4({ src: S, dst: C, proto: 17, payload: dgram.subarray(off, off + len), id: 7, moreFragments: more, fragOffset: off }), 0x0800));
    const { records, consumers, stats } = run([frag(1480, 1480, true), frag(2960, 48, false), frag(0, 1480, true)]);
    expect(records).toHaveLength(1);
    expect([records[0].firstFrame, records[0].packets.c2s + records[0].packets.s2c, records[0].payloadBytes.c2s + records[0].payloadBytes.s2c]).toEqual([3, 1, 3000]);
    expect(consumers[0].events[0].frame).toBe(3);
    expect(consumers[0].events[0].kind === 'data' && consumers[0].events[0].text.length).toBe(3000);
    expect(stats.fragments.reassembled).toBe(1);
  });

  it('reassembles IPv6 fragments', () => {
    const dgram = udp(53, 5353, text('x'.repeat(2000)));
    const frag = (off: number, len: number, more: boolean) =>
      packet(0, 1, ether(ipv6({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, payload: dgram.subarray(off, off + len), ext: [fragmentHeader(off, more, 1)] }), 0x86dd));
    const { records } = run([frag(0, 1232, true), frag(1232, dgram.length - 1232, false)]);
    expect([records[0].client, records[0].server, records[0].payloadBytes.c2s + records[0].payloadBytes.s2c]).toEqual(['[2001:db8::2]:5353', '[2001:db8::1]:53', 2000]);
  });

  it('ties an ICMP error to the flow it quotes without counting the quoted header', () => {
    const query = udpFrame(0, 1, C, S, 33333, 53, text('query'));
    const quoted = ipv4({ src: C, dst: S, proto: 17, payload: udp(33333, 53, text('query')) });
    const icmp = packet(0, 1.1, ether(ipv4({ src: S, dst: C, proto: 1, payload: bytes([3, 3, 0, 0, 0, 0, 0, 0], quoted) }), 0x0800));
    const { records, stats } = run([query, icmp]);
    expect(records).toHaveLength(1);
    expect(records[0].packets).toEqual({ c2s: 1, s2c: 0 });
    expect(records[0].payloadBytes).toEqual({ c2s: 5, s2c: 0 });
    expect(records[0].icmpErrors).toEqual([
      { frame: 2, time: 1.1, kind: 'destination-unreachable', type: 3, code: 3, codeName: 'port-unreachable', from: S },
    ]);
    expect(stats.icmpErrors).toBe(1);
  });

  it('names ICMPv6 errors and ties them to TCP flows', () => {
    const syn = packet(0, 1, ether(ipv6({ src: '2001:db8::a', dst: '2001:db8::b', proto: 6, payload: tcp({ sport: 5000, dport: 443, seq: 1, flags: F.SYN }) }), 0x86dd));
    const quoted = ipv6({ src: '2001:db8::a', dst: '2001:db8::b', proto: 6, payload: tcp({ sport: 5000, dport: 443, seq: 1, flags: F.SYN }).subarray(0, 8) , payloadLength: 20 });
    const err = packet(0, 2, ether(ipv6({ src: '2001:db8::ff', dst: '2001:db8::a', proto: 58, payload: bytes([1, 1, 0, 0, 0, 0, 0, 0], quoted) }), 0x86dd));
    const [r] = run([syn, err]).records;
    expect(r.icmpErrors.map((e) => [e.kind, e.codeName, e.from])).toEqual([['destination-unreachable', 'admin-prohibited', '2001:db8::ff']]);
    expect([r.state, r.packets.c2s]).toEqual(['S0', 1]);
  });

  it('counts unknown link types per type, non-IP frames and malformed headers', () => {
    const frames = [
      packet(0, 1, new Uint8Array(40), 147),
      packet(0, 1, new Uint8Array(40), 147),
      packet(0, 1, new Uint8Array(40), 9),
      packet(0, 1, ether(new Uint8Array(28), 0x0806)),
      packet(0, 1, ether(new Uint8Array(10), 0x0800)),
    ];
    const { stats } = run(frames);
    expect(stats.unknownLinkTypes).toEqual({ 147: 2, 9: 1 });
    expect([stats.nonIp, stats.malformed, stats.packets]).toEqual([1, 1, 5]);
  });
});
