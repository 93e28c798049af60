import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_TYPES, ProblemCode } from './problem-code';

const README = path.join(__dirname, '..', '..', 'README.md');
const TABLE_HEADER = '| Status | `code` | When |';

/** Each code the README's error table names, with the status of its row. */
function documentedCodes(): Map<string, number> {
  const lines = readFileSync(README, 'utf8').split('\n');
  const header = lines.indexOf(TABLE_HEADER);
  expect(header, `README has no line "${TABLE_HEADER}"`).toBeGreaterThan(-1);
  const rows = lines.slice(header + 2);
  const codes = new Map<string, number>();
  for (const row of rows.slice(
    0,
    rows.findIndex((line) => !line.startsWith('|')),
  )) {
    const [, status, code] = row.split('|');
    for (const [, name] of code.matchAll(/`([A-Z_]+)`/g)) codes.set(name, Number(status.trim()));
  }
  return codes;
}

describe('the README error table', () => {
  it('lists every problem code the gate can send, with its status', () => {
    const documented = documentedCodes();

    for (const code of Object.values(ProblemCode)) expect(documented.get(code), code).toBe(PROBLEM_TYPES[code].status);
  });

  it('lists no code the gate does not have', () => {
    const known: string[] = Object.values(ProblemCode);

    expect([...documentedCodes().keys()].filter((code) => !known.includes(code))).toEqual([]);
  });
});
