import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalRecord, chainHash, GENESIS_HASH } from './canonical-record';

describe(canonicalRecord.name, () => {
  it('sorts members at every depth, writes dates as ISO 8601 UTC and leaves no whitespace', () => {
    const record = {
      outcome: 'succeeded',
      receivedAt: new Date('2026-11-29T10:11:12.345Z'),
      deviceSnapshot: { serialNumber: 'SN-1', groupTag: 'MTR-EU', nested: { b: 1, a: [2, { d: true, c: null }] } },
      actorRoles: ['B', 'A'],
    };

    expect(canonicalRecord(record)).toBe(
      '{"actorRoles":["B","A"],"deviceSnapshot":{"groupTag":"MTR-EU","nested":{"a":[2,{"c":null,"d":true}],"b":1},"serialNumber":"SN-1"},' +
        '"outcome":"succeeded","receivedAt":"2026-11-29T10:11:12.345Z"}',
    );
  });

  it('leaves out the chain members and null members of the record, but keeps nulls inside a snapshot', () => {
    const record = { id: 'a', seq: 7, prevHash: 'p', hash: 'h', errorCode: null, ticketSnapshot: { approval: null } };

    expect(canonicalRecord(record)).toBe('{"id":"a","ticketSnapshot":{"approval":null}}');
  });

  it('gives a record the same bytes whether its dates are Dates (the database) or ISO strings (an export)', () => {
    const fromDatabase = { id: 'a', receivedAt: new Date('2026-11-29T10:11:12.000Z') };
    const fromExport = JSON.parse(JSON.stringify(fromDatabase)) as object;

    expect(canonicalRecord(fromExport)).toBe(canonicalRecord(fromDatabase));
  });

  it('keeps the hash of a record sealed before a nullable column was added', () => {
    const sealedBefore = { id: 'a', outcome: 'succeeded' };
    const readAfterMigration = { ...sealedBefore, idempotencyKey: null, replayOf: null, graphTries: null };

    expect(chainHash(GENESIS_HASH, readAfterMigration)).toBe(chainHash(GENESIS_HASH, sealedBefore));
  });

  it('spells strings and numbers as RFC 8785 does', () => {
    expect(canonicalRecord({ text: 'é"\\\n\u0001€😀', whole: 1.0, fraction: 0.1, big: 1e21, small: -0 })).toBe(
      '{"big":1e+21,"fraction":0.1,"small":0,"text":"é\\"\\\\\\n\\u0001€😀","whole":1}',
    );
  });

  it('refuses what JSON cannot say exactly', () => {
    expect(() => canonicalRecord({ value: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalRecord({ value: () => 1 })).toThrow(TypeError);
  });
});

describe(chainHash.name, () => {
  it('is sha256 over the previous hash and the canonical record, as lowercase hex', () => {
    const record = { id: 'a', outcome: 'succeeded' };

    expect(chainHash(GENESIS_HASH, record)).toBe(
      createHash('sha256').update(`${GENESIS_HASH}{"id":"a","outcome":"succeeded"}`).digest('hex'),
    );
    expect(chainHash('f'.repeat(64), record)).not.toBe(chainHash(GENESIS_HASH, record));
  });
});
