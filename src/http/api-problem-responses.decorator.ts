import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type HeaderObject } from '@nestjs/swagger';
import { EXAMPLE_REQUEST_ID, PROBLEM_EXAMPLES } from '../openapi/problem-examples';
import { PROBLEM_TYPES, ProblemCode } from './problem-code';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem-response';
import { RETRY_AFTER_HEADER, WWW_AUTHENTICATE_HEADER } from './response-headers';

/** How a family of routes writes its refusals: the media type, the schema, an example body per code, extra headers. */
export interface RefusalShape {
  contentType: string;
  schemaName: string;
  example(code: ProblemCode): unknown;
  headers?: Record<string, HeaderObject>;
}

export const PROBLEM_SHAPE: RefusalShape = {
  contentType: PROBLEM_CONTENT_TYPE,
  schemaName: 'ProblemDto',
  example: (code) => problemBody(PROBLEM_EXAMPLES[code], EXAMPLE_REQUEST_ID),
};

const RETRY_AFTER_CODES = new Set([
  ProblemCode.RateLimited,
  ProblemCode.GraphUnavailable,
  ProblemCode.RequestInProgress,
]);

/** Documents the refusals a route can answer, grouped by status, each code with its example, in the route's shape. */
export function ApiRefusals(shape: RefusalShape, codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes)
    byStatus.set(PROBLEM_TYPES[code].status, [...(byStatus.get(PROBLEM_TYPES[code].status) ?? []), code]);
  return applyDecorators(
    ...[...byStatus].map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: statusCodes.map((code) => `\`${code}\`: ${PROBLEM_TYPES[code].title}`).join('; '),
        headers: {
          ...(status === 401 ? WWW_AUTHENTICATE_HEADER : {}),
          ...(statusCodes.some((code) => RETRY_AFTER_CODES.has(code)) ? RETRY_AFTER_HEADER : {}),
          ...shape.headers,
        },
        content: {
          [shape.contentType]: {
            schema: { $ref: `#/components/schemas/${shape.schemaName}` },
            examples: Object.fromEntries(
              statusCodes.map((code) => [code, { summary: PROBLEM_TYPES[code].title, value: shape.example(code) }]),
            ),
          },
        },
      }),
    ),
  );
}

/** Documents the problem+json answers a route can give. */
export const ApiProblemResponses = (...codes: ProblemCode[]) => ApiRefusals(PROBLEM_SHAPE, codes);
