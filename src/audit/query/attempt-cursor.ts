import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { ProblemCode } from '../../http/problem-code';
import { ProblemError } from '../../http/problem.error';

/** Where a page ended: the last attempt it showed, in the (receivedAt, id) order of every report. */
export interface AttemptPosition {
  receivedAt: Date;
  id: string;
}

const cursorSchema = z.object({ v: z.literal(1), r: z.iso.datetime(), i: z.uuid() }).strict();

/** Opaque to clients: base64url of a small JSON document, checked in full when it comes back. */
export function encodeCursor(position: AttemptPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, r: position.receivedAt.toISOString(), i: position.id })).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): AttemptPosition {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    document = undefined;
  }
  const parsed = cursorSchema.safeParse(document);
  if (!parsed.success) {
    throw new ProblemError(
      ProblemCode.InvalidRequest,
      'cursor is not one this API issued; pass `next` from the previous page unchanged.',
      {
        errors: [{ path: 'cursor', message: 'not a cursor issued by this API' }],
      },
    );
  }
  return { receivedAt: new Date(parsed.data.r), id: parsed.data.i };
}

/**
 * The attempts after `position`, newest first. Written as `receivedAt <= r AND (receivedAt < r OR id < i)` rather
 * than a row comparison, which Prisma's language lacks: the first half still bounds the index scan, so page 1,000
 * costs what page 1 does.
 */
export function afterPosition(position: AttemptPosition): Prisma.AttemptWhereInput {
  return {
    AND: [
      { receivedAt: { lte: position.receivedAt } },
      { OR: [{ receivedAt: { lt: position.receivedAt } }, { id: { lt: position.id } }] },
    ],
  };
}
