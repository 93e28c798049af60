import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAttemptRow, insertAttemptRows, type AttemptRow } from '../factories/attempt-rows';
import { AUDIT_READER, auditGet, idsNewestFirst, itemIds, walkPages, type AuditQuery } from '../helpers/audit-reads';
import { GateHarness } from '../helpers/gate-harness';
import { expectProblem } from '../helpers/refusal-assertions';
import { UNASSIGNER } from '../helpers/unassign-calls';

const LIST = '/v1/audit/attempts';
const DAY_MS = 24 * 60 * 60 * 1000;

describe('GET /v1/audit/attempts', () => {
  let harness: GateHarness;
  let rows: AttemptRow[];
  let readerToken: string;
  const alice = { oid: randomUUID(), upn: 'alice@contoso.example' };
  const bob = { oid: randomUUID(), upn: 'bob@contoso.example' };
  const robot = { oid: randomUUID(), appId: randomUUID() };
  const sharedDevice = randomUUID();
  const sameInstant = new Date('2026-11-20T10:00:00.000Z');

  const ids = (predicate: (row: AttemptRow) => boolean) => idsNewestFirst(rows.filter(predicate));
  const list = (token: string, query: AuditQuery = {}) => auditGet(harness, LIST, token, query);

  beforeAll(async () => {
    harness = await GateHarness.start({ env: { AUDIT_SEAL_INTERVAL_MS: '0' } });
    const start = Date.UTC(2026, 10, 1);
    const at = (day: number, minute = 0) => new Date(start + day * DAY_MS + minute * 60_000);
    rows = [
      ...Array.from({ length: 12 }, (_, i) =>
        anAttemptRow({
          received_at: at(i),
          actor_oid: alice.oid,
          actor_upn: alice.upn,
          outcome: i % 3 === 0 ? 'policy_denied' : 'succeeded',
        }),
      ),
      ...Array.from({ length: 12 }, (_, i) =>
        anAttemptRow({
          received_at: at(i, 30),
          actor_oid: bob.oid,
          actor_upn: bob.upn,
          entry_point: i % 2 === 0 ? 'graph-facade' : 'v1',
          outcome: i % 4 === 0 ? 'ticket_rejected' : 'succeeded',
        }),
      ),
      ...Array.from({ length: 30 }, (_, i) =>
        anAttemptRow({
          received_at: at(i % 12, 45 + i),
          actor_oid: robot.oid,
          actor_upn: null,
          actor_app_id: robot.appId,
          actor_kind: 'app',
          outcome: 'graph_failed',
        }),
      ),
      ...Array.from({ length: 4 }, () =>
        anAttemptRow({ received_at: sameInstant, actor_oid: bob.oid, actor_upn: bob.upn, device_id: sharedDevice }),
      ),
      anAttemptRow({
        received_at: at(3, 5),
        outcome: 'unauthenticated',
        actor_oid: null,
        actor_upn: null,
        actor_tenant_id: null,
        actor_kind: null,
        actor_roles: [],
        device_snapshot: null,
        change_ticket: null,
      }),
    ];
    await insertAttemptRows(harness.gate.database.sql, rows);
    readerToken = await harness.issuer.userToken({ roles: [AUDIT_READER] });
  });
  afterAll(() => harness?.close());

  it('lists every attempt to an Audit.Reader, newest first, each item as GET /v1/attempts/{id} shows it', async () => {
    const response = await list(readerToken, { limit: 500 });

    expect(response.status, response.text).toBe(200);
    expect(itemIds(response)).toEqual(idsNewestFirst(rows));
    expect(response.body.next).toBeNull();
    const [first] = response.body.items as { id: string }[];
    const single = await harness.http.get(`/v1/attempts/${first.id}`).set('authorization', `Bearer ${readerToken}`);
    expect(single.status, single.text).toBe(200);
    expect(first).toEqual(single.body);
  });

  it.each([
    [
      'from (inclusive) and to (exclusive)',
      { from: '2026-11-03T00:00:00Z', to: '2026-11-06T00:00:00.000Z' },
      (row: AttemptRow) =>
        (row.received_at as Date) >= new Date('2026-11-03T00:00:00Z') &&
        (row.received_at as Date) < new Date('2026-11-06T00:00:00Z'),
    ],
    [
      'a from given as a date',
      { from: '2026-11-10' },
      (row: AttemptRow) => (row.received_at as Date) >= new Date('2026-11-10T00:00:00Z'),
    ],
    ['actor by object id', () => ({ actor: alice.oid }), (row: AttemptRow) => row.actor_oid === alice.oid],
    ['actor by UPN', () => ({ actor: bob.upn }), (row: AttemptRow) => row.actor_upn === bob.upn],
    ['actor by client app id', () => ({ actor: robot.appId }), (row: AttemptRow) => row.actor_app_id === robot.appId],
    ['deviceId', () => ({ deviceId: sharedDevice }), (row: AttemptRow) => row.device_id === sharedDevice],
    [
      'serialNumber from the device snapshot',
      () => ({ serialNumber: (rows[5].device_snapshot as { serialNumber: string }).serialNumber }),
      (row: AttemptRow) => row === rows[5],
    ],
    ['changeTicket', () => ({ changeTicket: rows[14].change_ticket as string }), (row: AttemptRow) => row === rows[14]],
    ['one outcome', { outcome: 'policy_denied' }, (row: AttemptRow) => row.outcome === 'policy_denied'],
    [
      'several outcomes',
      { outcome: ['ticket_rejected', 'graph_failed', 'unauthenticated'] },
      (row: AttemptRow) => ['ticket_rejected', 'graph_failed', 'unauthenticated'].includes(row.outcome as string),
    ],
    ['entryPoint', { entryPoint: 'graph-facade' }, (row: AttemptRow) => row.entry_point === 'graph-facade'],
    [
      'filters combined',
      () => ({ actor: bob.oid, outcome: 'succeeded', entryPoint: 'v1', to: '2026-11-08T00:00:00Z' }),
      (row: AttemptRow) =>
        row.actor_oid === bob.oid &&
        row.outcome === 'succeeded' &&
        row.entry_point === 'v1' &&
        (row.received_at as Date) < new Date('2026-11-08T00:00:00Z'),
    ],
  ] as const)('filters by %s', async (_, query, matches) => {
    const response = await list(readerToken, { ...(typeof query === 'function' ? query() : query), limit: 500 });

    expect(response.status, response.text).toBe(200);
    const expected = ids(matches);
    expect(expected.length).toBeGreaterThan(0);
    expect(itemIds(response)).toEqual(expected);
  });

  it('walks every page with the cursor: each attempt once, in order, attempts sharing an instant included', async () => {
    const pages = await walkPages(harness, readerToken, { limit: 7 });

    expect(pages.flat()).toEqual(idsNewestFirst(rows));
    expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
  });

  it('keeps pages stable while attempts are recorded between them', async () => {
    const first = await list(readerToken, { limit: 10, outcome: 'succeeded' });
    const newer = [
      anAttemptRow({ received_at: new Date(), outcome: 'succeeded' }),
      anAttemptRow({ received_at: sameInstant, id: 'ffffffff-ffff-4fff-bfff-ffffffffffff', outcome: 'succeeded' }),
    ];
    const before = ids((row) => row.outcome === 'succeeded');
    await insertAttemptRows(harness.gate.database.sql, newer);
    rows.push(...newer);

    const rest = await walkPages(harness, readerToken, {
      limit: 10,
      outcome: 'succeeded',
      cursor: first.body.next as string,
    });

    expect([...itemIds(first), ...rest.flat()]).toEqual(before);
  });

  it('answers 50 attempts by default and at most 500', async () => {
    const byDefault = await list(readerToken);
    const atMost = await list(readerToken, { limit: 500 });

    expect(itemIds(byDefault)).toHaveLength(50);
    expect(byDefault.body.next).toEqual(expect.any(String));
    expect(atMost.status).toBe(200);
  });

  it.each([
    ['a limit above 500', { limit: 501 }, 'limit'],
    ['a limit of 0', { limit: 0 }, 'limit'],
    ['an outcome that does not exist', { outcome: 'exploded' }, 'outcome'],
    ['an entry point that does not exist', { entryPoint: 'backdoor' }, 'entryPoint'],
    ['a date that is not ISO 8601', { from: '03/11/2026' }, 'from'],
    ['from not before to', { from: '2026-11-05T00:00:00Z', to: '2026-11-05T00:00:00Z' }, 'from'],
    ['an unknown parameter', { actorOid: 'x' }, ''],
    ['an actor given twice', { actor: ['a', 'b'] }, 'actor'],
  ])('refuses %s with 400 INVALID_REQUEST naming it', async (_, query, path) => {
    const response = await list(readerToken, query);

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining(path) })]),
    );
  });

  it.each([
    ['not base64url JSON', '!!!'],
    [
      'well-formed but not ours',
      Buffer.from(JSON.stringify({ v: 1, r: '2026-11-01T00:00:00.000Z', i: 'DROP TABLE attempts' })).toString(
        'base64url',
      ),
    ],
  ])('refuses a cursor that is %s with 400', async (_, cursor) => {
    const response = await list(readerToken, { cursor });

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });

  describe('scoped by the policy', () => {
    it('shows an operator only their own attempts, whatever they filter on', async () => {
      const aliceToken = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: alice.oid, upn: alice.upn });

      const own = await list(aliceToken, { limit: 500 });
      const othersByActor = await list(aliceToken, { actor: bob.oid });
      const othersByDevice = await list(aliceToken, { deviceId: sharedDevice });
      const othersByTicket = await list(aliceToken, { changeTicket: rows[14].change_ticket as string });

      expect(itemIds(own)).toEqual(ids((row) => row.actor_oid === alice.oid));
      expect(itemIds(othersByActor)).toEqual([]);
      expect(itemIds(othersByDevice)).toEqual([]);
      expect(itemIds(othersByTicket)).toEqual([]);
    });

    it('lets no cursor reach past the scope', async () => {
      const aliceToken = await harness.issuer.userToken({ roles: [UNASSIGNER], oid: alice.oid, upn: alice.upn });

      const pages = await walkPages(harness, aliceToken, { limit: 5 });

      expect(pages.flat()).toEqual(ids((row) => row.actor_oid === alice.oid));
    });

    it('refuses a caller with no read rule with 403 POLICY_DENIED', async () => {
      const adminToken = await harness.issuer.userToken({ roles: ['ChangeTickets.Admin'] });

      const response = await list(adminToken);

      expectProblem(response, 403, 'POLICY_DENIED');
      expect(response.body).not.toHaveProperty('items');
    });

    it('refuses a request without a token with 401', async () => {
      const response = await harness.http.get(LIST);

      expectProblem(response, 401, 'UNAUTHENTICATED');
    });
  });
});
