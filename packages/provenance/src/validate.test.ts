import { describe, expect, it } from 'vitest';
import { TransactionBook } from './TransactionBook.js';
import { validate, VerdictReason, type Party } from './validate.js';

// M2MHub's three devices of increasing clearance (its Figure 4 test), as our parties.
const low: Party = { id: 'endpoint:urn:imei:356938035643809', clearance: 1 };
const mid: Party = { id: 'endpoint:urn:imei:356938035643810', clearance: 5 };
const top: Party = { id: 'user:operator-anna', clearance: 9 };

function bookWith(tx: string, provenance: Party, closed = false): TransactionBook {
  const b = new TransactionBook();
  b.apply({ valid: true, action: 'begin', tx, operation: 'transaction.begin', sender: provenance.id, senderClearance: provenance.clearance });
  if (closed) b.apply({ valid: true, action: 'end', tx, operation: 'transaction.end', sender: provenance.id, senderClearance: provenance.clearance });
  return b;
}

describe('validate (M2MHub message validation)', () => {
  it('valid: a high-clearance sender begins a transaction with a lower receiver', () => {
    expect(validate({ action: 'begin', tx: 't1', sender: top, receiver: low }, new TransactionBook())).toEqual({ valid: true });
  });

  it('valid: a low-clearance device continues a transaction begun by a high-clearance one', () => {
    const book = bookWith('t1', top);
    expect(validate({ action: 'continue', tx: 't1', sender: low, receiver: top }, book)).toEqual({ valid: true });
  });

  it('invalid: continuing a closed transaction', () => {
    const v = validate({ action: 'continue', tx: 't1', sender: top, receiver: low }, bookWith('t1', top, true));
    expect(v).toMatchObject({ valid: false, reason: VerdictReason.TransactionClosed });
  });

  it('invalid: ending a closed transaction again', () => {
    const v = validate({ action: 'end', tx: 't1', sender: top, receiver: low }, bookWith('t1', top, true));
    expect(v).toMatchObject({ valid: false, reason: VerdictReason.TransactionClosed });
  });

  it('invalid: a sender with lower clearance than the receiver begins one', () => {
    const v = validate({ action: 'begin', tx: 't2', sender: low, receiver: mid }, new TransactionBook());
    expect(v).toMatchObject({ valid: false, reason: VerdictReason.SenderBelowReceiver });
    if (!v.valid) expect(v.message).toContain('clearance 1');
  });

  it('invalid: a non-existent transaction id', () => {
    const v = validate({ action: 'continue', tx: 'no-such-tx', sender: top, receiver: low }, bookWith('t1', top));
    expect(v).toMatchObject({ valid: false, reason: VerdictReason.UnknownTransaction });
  });

  it('invalid: a provenance without enough clearance for the receiver', () => {
    const book = bookWith('t3', mid); // begun by mid
    const v = validate({ action: 'continue', tx: 't3', sender: low, receiver: top }, book);
    expect(v).toMatchObject({ valid: false, reason: VerdictReason.ProvenanceBelowReceiver });
  });

  it("valid despite lower clearance: the receiver names the sender among its allowed senders (M2MHub's exception)", () => {
    const book = new TransactionBook();
    book.setAllowedSenders(mid.id, [low.id]);
    expect(validate({ action: 'begin', tx: 't4', sender: low, receiver: mid }, book)).toEqual({ valid: true });
    // and the exception is the receiver's own: it does not open top to low
    expect(validate({ action: 'begin', tx: 't5', sender: low, receiver: top }, book)).toMatchObject({ valid: false });
    book.setAllowedSenders(mid.id, []);
    expect(validate({ action: 'begin', tx: 't6', sender: low, receiver: mid }, book)).toMatchObject({ valid: false });
  });

  it('invalid: beginning a transaction id that exists', () => {
    expect(validate({ action: 'begin', tx: 't1', sender: top, receiver: low }, bookWith('t1', top))).toMatchObject({ reason: VerdictReason.TransactionExists });
  });

  it('the server itself reaches and is reached by every party', () => {
    const server: Party = { id: 'server', clearance: 255 };
    expect(validate({ action: 'begin', tx: 't8', sender: low, receiver: server }, new TransactionBook()).valid).toBe(true);
    expect(validate({ action: 'begin', tx: 't9', sender: { id: 'server', clearance: 0 }, receiver: top }, new TransactionBook()).valid).toBe(true);
  });

  it('equal clearance reaches', () => {
    expect(validate({ action: 'begin', tx: 't7', sender: mid, receiver: { id: 'endpoint:x', clearance: 5 } }, new TransactionBook()).valid).toBe(true);
  });
});

describe('TransactionBook', () => {
  it('a one-operation begin is not kept (continuing it is unknown), an observe and transaction.begin stay open, invalid records change nothing', () => {
    const b = new TransactionBook();
    b.apply({ valid: true, action: 'begin', tx: 'r', operation: 'read', sender: top.id, senderClearance: 9 });
    b.apply({ valid: true, action: 'begin', tx: 'o', operation: 'observe', sender: top.id, senderClearance: 9 });
    b.apply({ valid: false, action: 'begin', tx: 'x', operation: 'transaction.begin', sender: low.id, senderClearance: 1 });
    expect(b.transaction('r')).toBeUndefined();
    expect(validate({ action: 'continue', tx: 'r', sender: top, receiver: low }, b)).toMatchObject({ reason: VerdictReason.UnknownTransaction });
    expect(b.transaction('o')).toEqual({ provenance: top, closed: false });
    expect(b.transaction('x')).toBeUndefined();
    b.apply({ valid: true, action: 'end', tx: 'o', operation: 'transaction.end', sender: top.id, senderClearance: 9 });
    expect(b.transaction('o')?.closed).toBe(true);
  });
});
