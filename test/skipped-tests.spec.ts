import { describe, expect, it } from 'vitest';
import { skippedTestLines } from './skipped-tests.mjs';

const ROOT = '/project';

const reportOf = (...tests: { status: string; title: string; ancestorTitles: string[] }[]) => ({
  testResults: [{ name: '/project/test/e2e/replicas.e2e-spec.ts', assertionResults: tests }],
});

describe(skippedTestLines.name, () => {
  it('names each skipped test with its file and describe blocks, and the reason its nearest title gives', () => {
    const report = reportOf(
      { status: 'passed', title: 'serves one replica', ancestorTitles: ['the sweeper'] },
      {
        status: 'skipped',
        title: 'sweeps once (at most)',
        ancestorTitles: ['the sweeper', 'with two replicas (real Postgres only: PGlite is one connection)'],
      },
      { status: 'todo', title: 'a test without a reason', ancestorTitles: [] },
    );

    expect(skippedTestLines(report, ROOT)).toEqual([
      'skipped: test/e2e/replicas.e2e-spec.ts > the sweeper > with two replicas (real Postgres only: PGlite is one connection) > sweeps once (at most) — real Postgres only: PGlite is one connection',
      'skipped: test/e2e/replicas.e2e-spec.ts > a test without a reason — no reason given (name it in the title, e.g. "(real Postgres only)")',
    ]);
  });
});
