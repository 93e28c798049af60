// The closing lines of `npm test` name every skipped test and why. The why is in its name, by convention: the innermost
// title (the test's, then its describe blocks') with a parenthesis saying what it runs "only" on or with, e.g.
// `describe.runIf(process.env.DATABASE_URL)('two replicas on one database (real Postgres only)', ...)`.
import { relative } from 'node:path';

const NOT_RUN = ['skipped', 'pending', 'todo'];
const REASON = /\(([^()]*\bonly\b[^()]*)\)/g;

/** `skipped: <file> > <describe> > <test> — <reason>`, one per test vitest's JSON report lists as not run. */
export function skippedTestLines(report, projectRoot) {
  return report.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => NOT_RUN.includes(test.status))
      .map((test) => {
        const titles = [...test.ancestorTitles, test.title];
        return `skipped: ${[relative(projectRoot, file.name), ...titles].join(' > ')} — ${reasonIn(titles)}`;
      }),
  );
}

function reasonIn(titles) {
  for (const title of [...titles].reverse()) {
    const reason = [...title.matchAll(REASON)].pop();
    if (reason) return reason[1];
  }
  return 'no reason given (name it in the title, e.g. "(real Postgres only)")';
}
