import { describe, expect, it } from 'vitest';
import type { ChangeTicketRules } from '../policy/policy-file';
import type { ChangeTicket } from './change-ticket';
import { checkChangeTicket, type DeviceIdentity } from './ticket-rules';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const HOUR_MS = 60 * 60 * 1000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

const DEFAULT_RULES: ChangeTicketRules = {
  acceptStates: ['Implement'],
  requireApproval: true,
  requireWindow: true,
  requireDeviceInTicket: false,
};
const DEVICE: DeviceIdentity = { serialNumber: 'MTR-SN-0001', displayName: 'ROOM-0001' };

function aTicket(overrides: Partial<ChangeTicket> = {}): ChangeTicket {
  return {
    number: 'CHG0001234',
    source: 'servicenow',
    state: 'Implement',
    stateValue: '-1',
    approval: 'approved',
    plannedStart: at(-HOUR_MS),
    plannedEnd: at(HOUR_MS),
    affectedCis: ['MTR-SN-0001'],
    ...overrides,
  };
}

function codesFor(
  ticket: ChangeTicket | null,
  rules: Partial<ChangeTicketRules> = {},
  now = NOW,
  device = DEVICE,
): string[] {
  return checkChangeTicket('CHG0001234', ticket, device, { ...DEFAULT_RULES, ...rules }, now).map(
    (rejection) => rejection.code,
  );
}

describe(checkChangeTicket.name, () => {
  it('passes an approved ticket in an accepted state inside its window', () => {
    expect(codesFor(aTicket())).toEqual([]);
  });

  it('rejects a missing ticket with TICKET_NOT_FOUND only', () => {
    const rejections = checkChangeTicket(
      'CHG0009999',
      null,
      DEVICE,
      { ...DEFAULT_RULES, requireDeviceInTicket: true },
      NOW,
    );

    expect(rejections).toEqual([{ code: 'TICKET_NOT_FOUND', detail: expect.stringContaining('CHG0009999') }]);
  });

  describe('state', () => {
    it('rejects a state that is not accepted', () => {
      expect(codesFor(aTicket({ state: 'Scheduled', stateValue: '-2' }))).toEqual(['TICKET_STATE_NOT_ACCEPTED']);
    });

    it('accepts the state label whatever its case', () => {
      expect(codesFor(aTicket({ state: 'IMPLEMENT', stateValue: undefined }), { acceptStates: ['implement'] })).toEqual(
        [],
      );
    });

    it('accepts the stored value when the policy names it instead of the label', () => {
      expect(codesFor(aTicket({ state: 'Umsetzen', stateValue: '-1' }), { acceptStates: ['-1'] })).toEqual([]);
    });

    it('accepts any of several states', () => {
      expect(
        codesFor(aTicket({ state: 'Review', stateValue: '0' }), { acceptStates: ['Implement', 'review'] }),
      ).toEqual([]);
    });

    it('names the state it saw and the accepted ones in the detail', () => {
      const [rejection] = checkChangeTicket(
        'CHG0001234',
        aTicket({ state: 'New', stateValue: '-5' }),
        DEVICE,
        { ...DEFAULT_RULES, acceptStates: ['Implement', 'Review'] },
        NOW,
      );

      expect(rejection.detail).toContain('New');
      expect(rejection.detail).toContain('Implement, Review');
    });
  });

  describe('approval', () => {
    it('rejects a ticket that is not approved', () => {
      expect(codesFor(aTicket({ approval: 'requested' }))).toEqual(['TICKET_NOT_APPROVED']);
    });

    it('reads the approval case-insensitively', () => {
      expect(codesFor(aTicket({ approval: 'Approved' }))).toEqual([]);
    });

    it('ignores the approval when the policy does not require it', () => {
      expect(codesFor(aTicket({ approval: 'rejected' }), { requireApproval: false })).toEqual([]);
    });
  });

  describe('window', () => {
    it('rejects a ticket whose window opens later', () => {
      expect(codesFor(aTicket({ plannedStart: at(HOUR_MS), plannedEnd: at(2 * HOUR_MS) }))).toEqual([
        'TICKET_BEFORE_WINDOW',
      ]);
    });

    it('rejects a ticket whose window has closed', () => {
      expect(codesFor(aTicket({ plannedStart: at(-2 * HOUR_MS), plannedEnd: at(-HOUR_MS) }))).toEqual([
        'TICKET_AFTER_WINDOW',
      ]);
    });

    it('accepts the very millisecond the window opens and the very millisecond it closes', () => {
      const ticket = aTicket({ plannedStart: at(-HOUR_MS), plannedEnd: at(HOUR_MS) });

      expect(codesFor(ticket, {}, at(-HOUR_MS))).toEqual([]);
      expect(codesFor(ticket, {}, at(HOUR_MS))).toEqual([]);
    });

    it('rejects one millisecond before the window opens and one after it closes', () => {
      const ticket = aTicket({ plannedStart: at(-HOUR_MS), plannedEnd: at(HOUR_MS) });

      expect(codesFor(ticket, {}, at(-HOUR_MS - 1))).toEqual(['TICKET_BEFORE_WINDOW']);
      expect(codesFor(ticket, {}, at(HOUR_MS + 1))).toEqual(['TICKET_AFTER_WINDOW']);
    });

    it('rejects a ticket without a planned start or end', () => {
      expect(codesFor(aTicket({ plannedStart: null }))).toEqual(['TICKET_WINDOW_MISSING']);
      expect(codesFor(aTicket({ plannedEnd: null }))).toEqual(['TICKET_WINDOW_MISSING']);
    });

    it('ignores the window when the policy does not require one', () => {
      expect(codesFor(aTicket({ plannedStart: null, plannedEnd: null }), { requireWindow: false })).toEqual([]);
      expect(
        codesFor(aTicket({ plannedStart: at(-2 * HOUR_MS), plannedEnd: at(-HOUR_MS) }), { requireWindow: false }),
      ).toEqual([]);
    });
  });

  describe('affected CIs', () => {
    it('ignores the affected CIs unless the policy requires the device in the ticket', () => {
      expect(codesFor(aTicket({ affectedCis: [] }))).toEqual([]);
    });

    it('rejects a ticket that does not list the device when required', () => {
      expect(codesFor(aTicket({ affectedCis: ['MTR-SN-0002', 'ROOM-0002'] }), { requireDeviceInTicket: true })).toEqual(
        ['DEVICE_NOT_IN_TICKET'],
      );
    });

    it('finds the device by serial number or by display name, ignoring case and surrounding spaces', () => {
      const required = { requireDeviceInTicket: true };

      expect(codesFor(aTicket({ affectedCis: ['mtr-sn-0001'] }), required)).toEqual([]);
      expect(codesFor(aTicket({ affectedCis: ['  ROOM-0001 '] }), required)).toEqual([]);
    });

    it('never matches a device without serial number or display name, not even against an empty CI', () => {
      expect(
        codesFor(aTicket({ affectedCis: ['', ' '] }), { requireDeviceInTicket: true }, NOW, {
          serialNumber: null,
          displayName: '',
        }),
      ).toEqual(['DEVICE_NOT_IN_TICKET']);
    });
  });

  it('reports every failed check at once, in a stable order', () => {
    const ticket = aTicket({
      state: 'Closed',
      stateValue: '3',
      approval: 'rejected',
      plannedStart: at(-3 * HOUR_MS),
      plannedEnd: at(-2 * HOUR_MS),
      affectedCis: [],
    });

    expect(codesFor(ticket, { requireDeviceInTicket: true })).toEqual([
      'TICKET_STATE_NOT_ACCEPTED',
      'TICKET_NOT_APPROVED',
      'TICKET_AFTER_WINDOW',
      'DEVICE_NOT_IN_TICKET',
    ]);
  });
});
