import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRetryAfter, readGraphError } from './graph-error-body';

const HUMAN_TEXT =
  'Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementServiceConfig.ReadWrite.All';

/** Intune's error.message: a serialized object with \r\n line breaks whose Message holds the human text. */
function intuneMessage(text: string): string {
  const envelope = {
    _version: 3,
    Message: text,
    CustomApiErrorPhrase: '',
    RetryAfter: null,
    ErrorSourceService: '',
    HttpHeaders: '{}',
  };
  return JSON.stringify(envelope, null, 2).replace(/\n/g, '\r\n');
}

describe(readGraphError.name, () => {
  it('reads code and message of a plain Graph error', () => {
    const body = {
      error: {
        code: 'Forbidden',
        message: 'Insufficient privileges to complete the operation.',
        innerError: { date: '2025-01-01T12:00:00' },
      },
    };

    expect(readGraphError(body)).toEqual({
      code: 'Forbidden',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it("unwraps the human text from Intune's JSON inside the message", () => {
    const body = { error: { code: 'Forbidden', message: intuneMessage(HUMAN_TEXT) } };

    expect(readGraphError(body)).toEqual({ code: 'Forbidden', message: HUMAN_TEXT });
  });

  it('unwraps a message wrapped twice, keeping the outer code', () => {
    const wrapped = JSON.stringify({ ErrorCode: 'Forbidden', Message: intuneMessage(HUMAN_TEXT), Target: null });
    const body = { error: { code: 'UnknownError', message: wrapped } };

    expect(readGraphError(body)).toEqual({ code: 'UnknownError', message: HUMAN_TEXT });
  });

  it('keeps a message that only looks like JSON', () => {
    expect(readGraphError({ error: { code: 'BadRequest', message: '{not json at all' } }).message).toBe(
      '{not json at all',
    );
  });

  it('keeps the JSON text when it carries no Message', () => {
    const message = JSON.stringify({ _version: 3, Detail: 'nothing human here' });

    expect(readGraphError({ error: { code: 'BadRequest', message } }).message).toBe(message);
  });

  it("falls back to UnknownError and an empty message for a body that is not Graph's shape", () => {
    for (const body of [
      null,
      undefined,
      'Service Unavailable',
      {},
      { error: 'boom' },
      { error: { code: 500, message: { text: 'x' } } },
    ]) {
      expect(readGraphError(body)).toEqual({ code: 'UnknownError', message: '' });
    }
  });

  it('clips the message to 2000 characters', () => {
    const body = { error: { code: 'InternalError', message: 'x'.repeat(5000) } };

    expect(readGraphError(body).message).toHaveLength(2000);
  });
});

describe(parseRetryAfter.name, () => {
  const NOW = Date.parse('2025-06-01T12:00:00Z');
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads integer seconds', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads decimal seconds as Graph sometimes sends them', () => {
    expect(parseRetryAfter('2.128')).toBe(2.128);
    expect(parseRetryAfter('0.249')).toBe(0.249);
  });

  it('reads an HTTP date as the seconds until then', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT')).toBe(30);
  });

  it('reads an HTTP date in the past as zero', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:59:00 GMT')).toBe(0);
  });

  it('has nothing to say without a header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });

  it('ignores words that are neither seconds nor a date', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('7s')).toBeUndefined();
  });

  it('ignores negative or comma-decimal values instead of reading them as a date long past', () => {
    // V8's lenient Date.parse reads "-5" as the year -5 and "1,5" as a date in 2001, which would become "retry now".
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter('1,5')).toBeUndefined();
  });
});
