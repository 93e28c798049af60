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
      .refine((text) => visibleLength(text) >= JUSTIFICATION_MIN_VISIBLE, `must show at least ${JUSTIFICATION_MIN_VISIBLE} characters`),
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

export function parseUnassignRequest(input: UnassignRequestInput, rules: UnassignRequestRules): UnassignRequest {
  const target = input.serialNumber === undefined ? deviceIdTarget(...(input.deviceIds ?? [])) : serialNumberTarget(input.serialNumber);

  if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
    throw invalid('Idempotency-Key', 'must be 1 to 255 visible ASCII characters');
  }
  const fields = input.body ? readJsonBody(input.body.raw, input.body.contentType) : fromHeaders(input.headers ?? {});
  const { changeTicket, justification } = parseWithSchema(unassignBodySchema, fields);
  if (changeTicket !== undefined && !rules.ticketPattern.test(changeTicket)) {
    throw invalid('changeTicket', `must match ${rules.ticketPattern.source}`);
  }
  if (changeTicket === undefined && rules.ticketRequired) {
    throw invalid('changeTicket', 'is required (only break-glass callers may omit it)');
  }
  return { target, changeTicket, justification, idempotencyKey: input.idempotencyKey };
}

/** The facade's headers: X-Justification may carry UTF-8 (RFC 8187 `UTF-8''...` or raw bytes). */
function fromHeaders(headers: NonNullable<UnassignRequestInput['headers']>): Record<string, string | undefined> {
  if (headers.justification === undefined) return { ...headers };
  const justification = decodeHeaderText(headers.justification);
  if (justification === undefined) throw invalid('justification', "X-Justification is not valid percent-encoded UTF-8 (UTF-8''...)");
  return { ...headers, justification };
}

function invalid(path: string, message: string): ProblemError {
  return new ProblemError(ProblemCode.InvalidRequest, `${path}: ${message}`, { errors: [{ path, message }] });
}
