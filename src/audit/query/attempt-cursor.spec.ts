import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../http/problem.error';
import { decodeCursor, encodeCursor } from './attempt-cursor';

describe(encodeCursor.name, () => {
  it('round-trips a position through an opaque base64url string', () => {
    const position = { receivedAt: new Date('2026-11-29T10:11:12.345Z'), id: '3f2b8c1e-1111-4222-8333-444444444444' };

    const cursor = encodeCursor(position);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });
});

describe(decodeCursor.name, () => {
  it.each([
    ['garbage', '%%%'],
    ['JSON of another shape', Buffer.from('{"offset":100}').toString('base64url')],
    [
      'another version',
      Buffer.from(
        JSON.stringify({ v: 2, r: '2026-11-29T10:11:12.345Z', i: '3f2b8c1e-1111-4222-8333-444444444444' }),
      ).toString('base64url'),
    ],
    [
      'an id that is not a UUID',
      Buffer.from(JSON.stringify({ v: 1, r: '2026-11-29T10:11:12.345Z', i: "' OR 1=1 --" })).toString('base64url'),
    ],
    [
      'extra members',
      Buffer.from(
        JSON.stringify({
          v: 1,
          r: '2026-11-29T10:11:12.345Z',
          i: '3f2b8c1e-1111-4222-8333-444444444444',
          scope: 'all',
        }),
      ).toString('base64url'),
    ],
  ])('refuses %s as INVALID_REQUEST', (_, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(ProblemError);
  });
});
