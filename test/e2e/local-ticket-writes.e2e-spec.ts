import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeamsRoom } from '../factories/devices';
import { aTicketNumber, anOpenChange } from '../factories/tickets';
import { DEFAULT_ISSUER_TENANT_ID } from '../fakes/jwks-issuer.server';
import { GateHarness } from '../helpers/gate-harness';
import { graphTrafficFor, theOnlyAttemptFor } from '../helpers/gate-observations';
import { expectProblem } from '../helpers/refusal-assertions';
import { JUSTIFICATION, UNASSIGNER, unassignV1 } from '../helpers/unassign-calls';

const ADMIN = 'ChangeTickets.Admin';

describe('local change ticket writes', () => {
  let harness: GateHarness;
  beforeAll(async () => {
    harness = await GateHarness.start({ env: { LOCAL_TICKETS_SEPARATION_OF_DUTIES: 'true' } });
  });
  afterAll(() => harness?.close());

  const put = async (number: string, body: Record<string, unknown>, oid?: string, roles = [ADMIN]) => {
    const token = await harness.issuer.userToken({ roles, oid, upn: 'change.admin@contoso.example' });
    return harness.http
      .put(`/v1/change-tickets/${encodeURIComponent(number)}`)
      .set('authorization', `Bearer ${token}`)
      .send(body);
  };
  const changesOf = (number: string) =>
    harness.gate.database.sql.query<Record<string, unknown>>(
      'SELECT * FROM local_change_ticket_changes WHERE number = $1 ORDER BY changed_at, id',
      [number],
    );
  const ticketsNamed = (number: string) =>
    harness.gate.database.sql.query('SELECT number FROM local_change_tickets WHERE number = $1', [number]);

  it('records who wrote the ticket, when, and what it was before and after each write', async () => {
    const number = aTicketNumber();
    const creator = '0d0d0d0d-0000-4000-8000-000000000001';
    const editor = '0d0d0d0d-0000-4000-8000-000000000002';

    await put(number, anOpenChange({ state: 'Scheduled' }), creator);
    const edited = await put(number, anOpenChange({ state: 'Implement' }), editor);

    expect(edited.status, edited.text).toBe(200);
    expect(edited.body.writtenBy).toEqual([
      `${DEFAULT_ISSUER_TENANT_ID}/${creator}`,
      `${DEFAULT_ISSUER_TENANT_ID}/${editor}`,
    ]);
    const changes = await changesOf(number);
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatchObject({
      actor_oid: creator,
      actor_tenant_id: DEFAULT_ISSUER_TENANT_ID,
      actor_upn: 'change.admin@contoso.example',
      before: null,
    });
    expect(changes[0].after).toMatchObject({ number, state: 'Scheduled' });
    expect(changes[1]).toMatchObject({
      actor_oid: editor,
      before: expect.objectContaining({ state: 'Scheduled' }),
      after: expect.objectContaining({ state: 'Implement' }),
    });
    expect(changes[1].correlation_id).toEqual(expect.any(String));
  });

  it.each([
    ['a number that does not match TICKET_PATTERN', 'not-a-ticket', anOpenChange()],
    ['a NUL byte', aTicketNumber(), anOpenChange({ shortDescription: 'Unassign\u0000rooms' })],
    ['a lone surrogate', aTicketNumber(), anOpenChange({ state: 'Implement\ud800' })],
    ['the year 0000', aTicketNumber(), anOpenChange({ plannedStart: '0000-01-01T00:00:00Z' })],
    ['the year 10000', aTicketNumber(), anOpenChange({ plannedEnd: '+010000-01-01T00:00:00Z' })],
  ])('answers 400 to %s and stores nothing', async (_, number, body) => {
    const response = await put(number, body);

    expectProblem(response, 400, 'INVALID_REQUEST');
    expect(await ticketsNamed(number)).toEqual([]);
    expect(await changesOf(number)).toEqual([]);
  });

  it('answers 400 to a read of a number that does not match TICKET_PATTERN', async () => {
    const token = await harness.issuer.userToken({ roles: [ADMIN] });

    const response = await harness.http.get('/v1/change-tickets/not-a-ticket').set('authorization', `Bearer ${token}`);

    expectProblem(response, 400, 'INVALID_REQUEST');
  });

  describe('with separation of duties', () => {
    it('refuses a ticket to the one who wrote it, and accepts it from someone else', async () => {
      const number = aTicketNumber();
      const author = '0d0d0d0d-0000-4000-8000-000000000003';
      await put(number, anOpenChange(), author, [ADMIN, UNASSIGNER]);
      const ownDevice = aTeamsRoom();
      const otherDevice = aTeamsRoom();
      harness.graph.addDevice(ownDevice);
      harness.graph.addDevice(otherDevice);
      const authorToken = await harness.issuer.userToken({ roles: [ADMIN, UNASSIGNER], oid: author });
      const colleague = await harness.issuer.userToken({ roles: [UNASSIGNER] });

      const refused = await unassignV1(harness, ownDevice.id, authorToken, {
        changeTicket: number,
        justification: JUSTIFICATION,
      });
      const accepted = await unassignV1(harness, otherDevice.id, colleague, {
        changeTicket: number,
        justification: JUSTIFICATION,
      });

      expectProblem(refused, 422, 'CHANGE_TICKET_REJECTED');
      expect(refused.body.reasons).toEqual([expect.objectContaining({ code: 'TICKET_WRITTEN_BY_REQUESTER' })]);
      expect(graphTrafficFor(harness, ownDevice.id).posts).toHaveLength(0);
      await theOnlyAttemptFor(harness, ownDevice.id, refused, { outcome: 'ticket_rejected' });
      expect(accepted.status, accepted.text).toBe(200);
    });
  });
});
