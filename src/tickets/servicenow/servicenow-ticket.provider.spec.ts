import { describe, expect, it } from 'vitest';
import { parseServiceNowUtc } from './servicenow-ticket.provider';

describe(parseServiceNowUtc.name, () => {
  it("reads a stored value as UTC, whatever the machine's time zone", () => {
    expect(parseServiceNowUtc('2025-06-01 23:30:05')?.toISOString()).toBe('2025-06-01T23:30:05.000Z');
  });

  it('reads midnight at the turn of a year', () => {
    expect(parseServiceNowUtc('2024-12-31 00:00:00')?.toISOString()).toBe('2024-12-31T00:00:00.000Z');
  });

  it('returns null for a missing or empty value', () => {
    expect(parseServiceNowUtc(undefined)).toBeNull();
    expect(parseServiceNowUtc('')).toBeNull();
  });

  it("returns null for anything but ServiceNow's stored format", () => {
    for (const value of [
      '2025-06-01T23:30:05Z',
      '2025-06-01 23:30',
      '2025-06-01',
      '06/01/2025 23:30:05',
      ' 2025-06-01 23:30:05',
      '2025-06-01 23:30:05 PDT',
    ]) {
      expect(parseServiceNowUtc(value), value).toBeNull();
    }
  });

  it('returns null, never an Invalid Date, for a value in the right shape that is no real time', () => {
    // An Invalid Date compares false both ways, so a window built from one would let every call through.
    for (const value of ['2025-13-01 00:00:00', '2025-06-01 23:59:60', '2025-00-10 10:00:00']) {
      expect(parseServiceNowUtc(value), value).toBeNull();
    }
  });
});
