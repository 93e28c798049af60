import { HttpException } from '@nestjs/common';
import { ProblemCode } from './problem-code';
import { ProblemError } from './problem.error';

const CODE_BY_STATUS: Record<number, ProblemCode> = {
  400: ProblemCode.InvalidRequest,
  401: ProblemCode.Unauthenticated,
  403: ProblemCode.PolicyDenied,
  404: ProblemCode.NotFound,
  405: ProblemCode.MethodNotAllowed,
  413: ProblemCode.PayloadTooLarge,
  415: ProblemCode.UnsupportedMediaType,
};

/**
 * Any error becomes a ProblemError. Framework errors (unknown route, body too large) keep their status;
 * anything unexpected becomes a bare 500 that says nothing about its cause.
 */
export function problemFromError(error: unknown): { problem: ProblemError; unexpected: boolean } {
  if (error instanceof ProblemError) return { problem: error, unexpected: false };
  const status = statusOf(error);
  const code = status === undefined ? undefined : CODE_BY_STATUS[status];
  if (code) return { problem: new ProblemError(code, frameworkDetail(code)), unexpected: false };
  return { problem: new ProblemError(ProblemCode.InternalError, 'An unexpected error occurred.'), unexpected: true };
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function frameworkDetail(code: ProblemCode): string {
  switch (code) {
    case ProblemCode.NotFound:
      return 'No route matches this method and path.';
    case ProblemCode.PayloadTooLarge:
      return 'The request body exceeds the size limit.';
    case ProblemCode.UnsupportedMediaType:
      return 'Send the body as application/json.';
    case ProblemCode.InvalidRequest:
      return 'The request could not be read.';
    default:
      return 'The request was refused.';
  }
}
