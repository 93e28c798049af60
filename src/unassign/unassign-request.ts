import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config.token';
import { parseWithSchema, readJsonBody } from '../http/json-body';
import { decodeHeaderText, freeText, visibleLength } from '../http/text-input';
import { deviceIdTarget, serialNumberTarget, type DeviceTarget } from '../devices/device-target';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';

export const JUSTIFICATION_MIN_VISIBLE = 10;

export const unassignBodySchema = z
  .object({
    changeTicket: z.string().min(1).max(100).optional(),
    justification: freeText(1000)
      .transform((text) => text.trim())
      .refine(
        (text) => visibleLength(text) >= JUSTIFICATION_MIN_VISIBLE,
        `must show at least ${JUSTIFICATION_MIN_VISIBLE} characters`,
      ),
  })
  .strict();

/** What the caller asked for, however it was sent (v1 JSON body or Graph facade headers). */
export interface UnassignRequestInput {
  /** The device by id (the facade's deployment-profile path names two; the last is the device), or by serial. */
  deviceIds?: string[];
  serialNumber?: string;
  body?: { raw: unknown; contentType?: string };
  headers?: { changeTicket?: string; justification?: string };
  /** The Idempotency-Key header, on either entry point. */
  idempotencyKey?: string;
}

export interface UnassignRequest {
  target: DeviceTarget;
  changeTicket?: string;
  justification: string;
  idempotencyKey?: string;
}

/** 1..255 visible ASCII characters (the IETF httpapi draft leaves the syntax to the server). */
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

export interface UnassignRequestRules {
  ticketPattern: RegExp;
  /** Only callers who may bypass ChangeTicket (break-glass) may leave the ticket out. */
  ticketRequired: boolean;
}

/** Validates an unassign request against the configured ticket pattern. */
@Injectable()
export class UnassignRequestParser {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  parse(input: UnassignRequestInput, ticketRequired: boolean): UnassignRequest {
    return parseUnassignRequest(input, { ticketPattern: this.config.tickets.pattern, ticketRequired });
  }
}

type FieldError = { path: string; message: string };

/** Every problem with the request at once: the device, the key, each field, the ticket's pattern and presence. */
export function parseUnassignRequest(input: UnassignRequestInput, rules: UnassignRequestRules): UnassignRequest {
  const errors: FieldError[] = [];
  const collect = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (
        !(error instanceof ProblemError) ||
        error.code !== ProblemCode.InvalidRequest ||
        !Array.isArray(error.extensions.errors)
      )
        throw error;
      errors.push(...(error.extensions.errors as FieldError[]));
      return undefined;
    }
  };
  const target = collect(() =>
    input.serialNumber === undefined
      ? deviceIdTarget(...(input.deviceIds ?? []))
      : serialNumberTarget(input.serialNumber),
  );
  if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
    errors.push({ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' });
  }
  // A body that is not JSON at all (wrong media type, too large, malformed) is its own problem, answered alone.
  const fields = input.body
    ? readJsonBody(input.body.raw, input.body.contentType)
    : collect(() => fromHeaders(input.headers ?? {}));
  const parsed = fields === undefined ? undefined : collect(() => parseWithSchema(unassignBodySchema, fields));
  const changeTicket = parsed?.changeTicket;
  if (parsed?.changeTicket !== undefined && !rules.ticketPattern.test(parsed.changeTicket)) {
    errors.push({ path: 'changeTicket', message: `must match ${rules.ticketPattern.source}` });
  }
  const ticketGiven =
    fields !== null && typeof fields === 'object' && (fields as { changeTicket?: unknown }).changeTicket !== undefined;
  if (!ticketGiven && rules.ticketRequired)
    errors.push({ path: 'changeTicket', message: 'is required (only break-glass callers may omit it)' });
  if (errors.length > 0) throw invalidRequest(input.body ? errors : errors.map(asHeaderError));
  return { target: target!, changeTicket, justification: parsed!.justification, idempotencyKey: input.idempotencyKey };
}

/** On the facade the caller sent headers, not body fields: the problems name those. */
const HEADER_NAMES: Record<string, string> = { changeTicket: 'X-Change-Ticket', justification: 'X-Justification' };
function asHeaderError(error: FieldError): FieldError {
  const header = Object.hasOwn(HEADER_NAMES, error.path) ? HEADER_NAMES[error.path] : undefined;
  return header ? { path: header, message: error.message.replace(error.path, header) } : error;
}

function invalidRequest(errors: FieldError[]): ProblemError {
  return new ProblemError(
    ProblemCode.InvalidRequest,
    errors.map((error) => `${error.path}: ${error.message}`).join('; '),
    { errors },
  );
}

/** The facade's headers: X-Justification may carry UTF-8 (RFC 8187 `UTF-8''...` or raw bytes). */
function fromHeaders(headers: NonNullable<UnassignRequestInput['headers']>): Record<string, string | undefined> {
  if (headers.justification === undefined) return { ...headers };
  const justification = decodeHeaderText(headers.justification);
  if (justification === undefined)
    throw invalidRequest([{ path: 'justification', message: "is not valid percent-encoded UTF-8 (UTF-8''...)" }]);
  return { ...headers, justification };
}
