import { describe, expect, it } from 'vitest';
import type { PeerAddress } from '../types.js';
import { FairInbox } from './FairInbox.js';

function rig(perSource: number, perTurn: number) {
  const turns: (() => void)[] = [];
  const served: string[] = [];
  const dropped: string[] = [];
  const inbox = new FairInbox(
    { perSource, total: 100, perTurn, defer: (fn) => turns.push(fn) },
    (data, peer) => served.push(`${peer.address}:${data.toString()}`),
    (peer) => dropped.push(peer.address),
  );
  const runTurn = (): void => (turns.shift() as () => void)();
  return { inbox, turns, served, dropped, runTurn };
}

const from = (address: string): PeerAddress => ({ address, port: 5000 });

describe('FairInbox', () => {
  it('serves sources round-robin, a bounded number per turn; a flooding source only fills its own queue', () => {
    const r = rig(4, 3);
    for (let i = 0; i < 10; i++) r.inbox.push(Buffer.from(`f${i}`), from('192.0.2.66'));
    r.inbox.push(Buffer.from('good'), from('192.0.2.1'));
    expect(r.dropped).toEqual(Array(6).fill('192.0.2.66'));
    expect(r.turns).toHaveLength(1);
    r.runTurn();
    expect(r.served).toEqual(['192.0.2.66:f0', '192.0.2.1:good', '192.0.2.66:f1']);
    expect(r.inbox.length).toBe(2);
    r.runTurn();
    expect(r.served.slice(3)).toEqual(['192.0.2.66:f2', '192.0.2.66:f3']);
    expect(r.turns).toHaveLength(0);
  });

  it('one IPv6 /64 is one source', () => {
    const r = rig(2, 10);
    r.inbox.push(Buffer.from('a'), from('2001:db8:0:1::1'));
    r.inbox.push(Buffer.from('b'), from('2001:db8:0:1::2'));
    r.inbox.push(Buffer.from('c'), from('2001:db8:0:1::3'));
    r.inbox.push(Buffer.from('d'), from('2001:db8:0:2::1'));
    expect(r.dropped).toEqual(['2001:db8:0:1::3']);
    r.runTurn();
    expect(r.served).toHaveLength(3);
  });
});
