import { describe, expect, it } from 'vitest';
import { Prisma } from '../generated/prisma/client';
import { INSERT_ATTEMPT, insertParameters } from './attempt-columns';
import { AttemptDraft } from './attempt-draft';

const snake = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

describe('INSERT_ATTEMPT', () => {
  it('writes every column of the Attempt model, each with its own parameter', () => {
    const columns = [...INSERT_ATTEMPT.matchAll(/"(\w+)"/g)]
      .map((match) => match[1])
      .filter((name) => name !== 'AttemptOutcome');
    expect(columns.sort()).toEqual(Object.values(Prisma.AttemptScalarFieldEnum).map(snake).sort());
    const draft = new AttemptDraft({
      entryPoint: 'v1',
      correlationId: 'c',
      clientIp: null,
      userAgent: null,
      deviceId: null,
      policyVersion: 'v',
      simulated: false,
    });
    expect(insertParameters(draft, { outcome: 'in_flight' })).toHaveLength(columns.length);
    expect(INSERT_ATTEMPT).toContain(`$${columns.length}`);
    expect(INSERT_ATTEMPT).not.toContain(`$${columns.length + 1}`);
  });
});
