import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditVerify } from '../../src/audit/integrity/audit-verify';
import { Prisma } from '../../src/generated/prisma/client';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet, idsNewestFirst, type AuditQuery } from '../helpers/audit-reads';
import { sealNow } from '../helpers/chain-tampering';
import { GateHarness } from '../helpers/gate-harness';
import { expectProblem } from '../helpers/refusal-assertions';
import { UNASSIGNER } from '../helpers/unassign-calls';

const EXPORT = '/v1/audit/attempts/export';
const NASTY_TEXT = 'He said "no", then left;\nnext line\r\nand a windows one';
const FORMULAS = [
  '=HYPERLINK("http://evil.example","click")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\tindented',
  '\rcarriage',
];

/** Reads a response body as text whatever its media type. */
function asText(response: { body: unknown; text?: string }): string {
  return Buffer.isBuffer(response.body) ? response.body.toString('utf8') : (response.text ?? '');
}

describe('GET /v1/audit/attempts/export', () => {
  let harness: GateHarness;
  let rows: AttemptRow[];
  let readerToken: string;
  let workDir: string;
  const alice = { oid: randomUUID(), upn: 'alice@contoso.example' };

  const download = (token: string, query: AuditQuery) =>
    auditGet(harness, EXPORT, token, query)
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const saved = (name: string, text: string) => {
    const file = path.join(workDir, name);
    writeFileSync(file, text);
    return file;
  };
  const verify = async (file: string, extra: string[] = []) => {
    const keyResponse = await auditGet(harness, '/v1/audit/public-key', readerToken);
    const lines: string[] = [];
    const code = await runAuditVerify(
      [file, '--public-key', saved(`key-${randomUUID()}.pem`, keyResponse.body.publicKeyPem as string), ...extra],
      (line) => lines.push(line),
    );
    return { code, output: lines.join('\n') };
  };

  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0', AUDIT_CHECKPOINT_EVERY: '100' } });
    workDir = mkdtempSync(path.join(tmpdir(), 'audit-export-'));
    const start = Date.UTC(2026, 9, 1);
    rows = [
      ...Array.from({ length: 2400 }, (_, i) =>
        anAttemptRow({
          received_at: new Date(start + i * 60_000),
          outcome: i % 10 === 0 ? 'ticket_rejected' : 'succeeded',
        }),
      ),
      anAttemptRow({ justification: NASTY_TEXT, actor_oid: alice.oid, actor_upn: alice.upn }),
      ...FORMULAS.map((formula) =>
        anAttemptRow({ justification: formula, actor_oid: alice.oid, actor_upn: alice.upn }),
      ),
    ];
    await insertAttemptRows(harness.gate.database.sql, rows);
    await sealNow(harness);
    const late = Array.from({ length: 3 }, () =>
      anAttemptRow({ received_at: new Date(Date.UTC(2026, 11, 1)), actor_oid: alice.oid, actor_upn: alice.upn }),
    );
    await insertAttemptRows(harness.gate.database.sql, late);
    rows.push(...late);
    readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
  });
  afterAll(() => harness?.close());

  describe('as CSV', () => {
    let response: Awaited<ReturnType<typeof download>>;
    let text: string;
    let records: Record<string, string>[];

    beforeAll(async () => {
      response = await download(readerToken, { format: 'csv' });
      text = asText(response);
      records = parse(text, {
        columns: true,
        record_delimiter: '\r\n',
        relax_quotes: false,
        relax_column_count: false,
      });
    });

    it('streams every attempt, newest first, under a header row of every column', () => {
      expect(response.status, text.slice(0, 300)).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      expect(text.slice(0, text.indexOf('\r\n'))).toBe(Object.values(Prisma.AttemptScalarFieldEnum).join(','));
      expect(records.map((record) => record.id)).toEqual(idsNewestFirst(rows));
    });

    it('names the attachment after what and when', () => {
      expect(response.headers['content-disposition']).toMatch(
        /^attachment; filename="autopilot-gate-attempts_start-now_exported-\d{8}T\d{6}Z\.csv"$/,
      );
    });

    it('ends every record with CRLF and quotes what needs quoting (RFC 4180)', () => {
      const nasty = records.find((record) => record.justification.startsWith('He said'));

      expect(text.endsWith('\r\n')).toBe(true);
      expect(nasty?.justification).toBe(NASTY_TEXT);
      expect(text).toContain('"He said ""no"", then left;\nnext line\r\nand a windows one"');
    });

    it('neutralises every cell a spreadsheet would run as a formula, and no other', () => {
      const alices = records.filter((record) => record.actorOid === alice.oid).map((record) => record.justification);
      const others = records.filter((record) => record.actorOid !== alice.oid);

      for (const formula of FORMULAS) expect(alices).toContain(`'${formula}`);
      expect(alices).toContain(NASTY_TEXT);
      expect(
        others.every((record) => record.justification === 'Room decommissioned, account moves to the new room.'),
      ).toBe(true);
      expect(others.every((record) => record.graphStatus === '204' && !record.receivedAt.startsWith("'"))).toBe(true);
    });

    it('writes dates as ISO 8601, booleans as true/false, JSON as JSON and nulls as empty cells', () => {
      const row = rows.find((candidate) => candidate.justification === NASTY_TEXT)!;
      const record = records.find((candidate) => candidate.id === row.id)!;

      expect(record.receivedAt).toBe((row.received_at as Date).toISOString());
      expect(record.breakGlass).toBe('false');
      expect(JSON.parse(record.deviceSnapshot)).toEqual(row.device_snapshot);
      expect(JSON.parse(record.actorRoles)).toEqual(row.actor_roles);
      expect(record.errorCode).toBe('');
    });
  });

  describe('as NDJSON', () => {
    let text: string;

    beforeAll(async () => {
      const response = await download(readerToken, { format: 'ndjson' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      text = asText(response);
    });

    it('writes each attempt as the list shows it with its chain members, then the checkpoints that sign them', async () => {
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const attempts = lines.filter((line) => !('checkpoint' in line));
      const page = await auditGet(harness, '/v1/audit/attempts', readerToken, { limit: 500 });

      expect(attempts.map((attempt) => attempt.id)).toEqual(idsNewestFirst(rows));
      // The list also shows each attempt's work note, which changes after sealing, so a chained line leaves it out.
      const items = (page.body.items as Record<string, unknown>[]).map(({ workNote: _, ...item }) => item);
      expect(attempts.slice(0, 500).map(({ seq: _, prevHash: __, hash: ___, ...attempt }) => attempt)).toEqual(items);
      expect(attempts.filter((attempt) => attempt.seq !== null)).toHaveLength(2400 + FORMULAS.length + 1);
      expect(attempts.every((attempt) => 'seq' in attempt && 'prevHash' in attempt && 'hash' in attempt)).toBe(true);
      expect(lines.slice(attempts.length).every((line) => 'checkpoint' in line)).toBe(true);
      expect(lines.length - attempts.length).toBeGreaterThanOrEqual(24);
    });

    it('verifies offline with the public key alone', async () => {
      const { code, output } = await verify(saved('all.ndjson', text));

      expect(code, output).toBe(0);
      expect(output).toContain(`${rows.length} attempts`);
      // Checkpoints every 100: the last attempts sealed after seq 2400 wait for the next one.
      expect(output).toMatch(/2400 sealed and covered by a signed checkpoint/);
      expect(output).toMatch(new RegExp(`${FORMULAS.length + 1} sealed, consistent, but not covered`));
      expect(output).toMatch(/3 not sealed yet/);
      expect(output).toContain('OK');
    });

    it('fails offline verification of an export whose attempt was edited', async () => {
      const lines = text.trimEnd().split('\n');
      const index = lines.findIndex((line) => (JSON.parse(line) as { seq: number | null }).seq === 1000);
      const attempt = JSON.parse(lines[index]) as Record<string, unknown>;
      lines[index] = JSON.stringify({ ...attempt, justification: 'Nothing happened here.' });

      const { code, output } = await verify(saved('edited.ndjson', lines.join('\n')));

      expect(code).toBe(1);
      expect(output).toContain(`modified at seq 1000 (attempt ${attempt.id as string})`);
    });

    it('fails offline verification of a forged checkpoint, or against another key', async () => {
      const lines = text.trimEnd().split('\n');
      const last = JSON.parse(lines.at(-1)!) as { checkpoint: { hash: string } };
      last.checkpoint.hash = 'f'.repeat(64);
      const forged = [...lines.slice(0, -1), JSON.stringify(last)].join('\n');
      const otherKey = saved(
        'other-key.pem',
        (await import('node:crypto'))
          .generateKeyPairSync('ed25519')
          .publicKey.export({ type: 'spki', format: 'pem' })
          .toString(),
      );

      const withForgery = await verify(saved('forged.ndjson', forged));
      const withOtherKey = await runAuditVerify(
        [saved('genuine.ndjson', text), '--public-key', otherKey],
        () => undefined,
      );

      expect(withForgery.code).toBe(1);
      expect(withForgery.output).toMatch(/bad_signature at seq \d+/);
      expect(withOtherKey).toBe(1);
    });

    it('treats the gaps of a filtered export as gaps, not as tampering, and says what no checkpoint covers', async () => {
      const response = await download(readerToken, { format: 'ndjson', outcome: 'ticket_rejected' });

      const { code, output } = await verify(saved('filtered.ndjson', asText(response)), ['--strict']);

      expect(output).toMatch(/240 attempts/);
      expect(output).not.toContain('BROKEN');
      expect(code).toBe(2);
    });
  });

  it('exports only what the caller may read, filtered like the list', async () => {
    const aliceToken = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: alice.oid, upn: alice.upn });

    const own = await download(aliceToken, { format: 'csv' });
    const filtered = await download(readerToken, {
      format: 'csv',
      outcome: 'ticket_rejected',
      from: '2026-10-01T10:00:00Z',
    });
    const ids = (response: { body: unknown }) =>
      parse<{ id: string }>(asText(response), { columns: true }).map((record) => record.id);

    expect(ids(own)).toEqual(idsNewestFirst(rows.filter((row) => row.actor_oid === alice.oid)));
    expect(ids(filtered)).toEqual(
      idsNewestFirst(
        rows.filter(
          (row) => row.outcome === 'ticket_rejected' && (row.received_at as Date) >= new Date('2026-10-01T10:00:00Z'),
        ),
      ),
    );
  });

  it('refuses a missing or unknown format with 400, and a caller with no read rule with 403', async () => {
    const adminToken = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

    expectProblem(await auditGet(harness, EXPORT, readerToken), 400, 'INVALID_REQUEST');
    expectProblem(await auditGet(harness, EXPORT, readerToken, { format: 'xlsx' }), 400, 'INVALID_REQUEST');
    expectProblem(await auditGet(harness, EXPORT, adminToken, { format: 'csv' }), 403, 'POLICY_DENIED');
  });
});
