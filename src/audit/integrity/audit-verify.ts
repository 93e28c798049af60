import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { keyIdOf, readPublicKey } from '../chain/audit-signing-key';
import { verifyExport, type ExportVerification } from './export-verifier';

const USAGE = 'usage: npm run audit:verify -- EXPORT.ndjson --public-key KEY.pem [--public-key OLD-KEY.pem] [--strict]';

/**
 * `npm run audit:verify`: checks an NDJSON export with no database, only the gate's public key(s)
 * (GET /v1/audit/public-key, or `npm run audit:public-key`). Exit 0: intact; 1: broken; 2: intact but with records
 * no signature covers and --strict given; 64: bad usage.
 */
export async function runAuditVerify(argv: string[], print: (line: string) => void): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'public-key': { type: 'string', multiple: true }, strict: { type: 'boolean', default: false } },
    });
  } catch (error) {
    print(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  const keyFiles = options.values['public-key'] ?? [];
  if (options.positionals.length !== 1 || keyFiles.length === 0) {
    print(USAGE);
    return 64;
  }
  const keys = new Map(
    keyFiles.map((file) => readPublicKey(readFileSync(file, 'utf8'))).map((key) => [keyIdOf(key), key]),
  );
  const [file] = options.positionals;
  const report = await verifyExport(createInterface({ input: createReadStream(file), crlfDelay: Infinity }), keys);
  for (const line of describe(file, report)) print(line);
  if (report.problems.length > 0) return 1;
  return options.values.strict && report.unanchored + report.unsealed > 0 ? 2 : 0;
}

function describe(file: string, report: ExportVerification): string[] {
  const lines = [
    `${file}: ${report.attempts} attempts, ${report.checkpoints} checkpoints`,
    `  ${report.anchored} sealed and covered by a signed checkpoint`,
    `  ${report.unanchored} sealed, consistent, but not covered by a checkpoint in this file`,
    `  ${report.unsealed} not sealed yet (in flight, or settled after the last seal)`,
  ];
  if (report.problems.length === 0)
    return [...lines, 'OK: nothing in this export was changed, removed or reordered after it was sealed'];
  return [
    ...lines,
    `BROKEN: ${report.problems.length} problem(s)`,
    ...report.problems.map(
      (problem) =>
        `  ${problem.kind} at seq ${problem.seq}${problem.attemptId ? ` (attempt ${problem.attemptId})` : ''}: ${problem.detail}`,
    ),
  ];
}
