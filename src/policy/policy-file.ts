import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkRulesCompile } from './rule-compilation';
import { POLICY_ACTIONS, POLICY_SUBJECTS } from './policy-vocabulary';

const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)]);

const ruleSchema = z
  .object({
    action: oneOrMany(z.enum(POLICY_ACTIONS)),
    subject: oneOrMany(z.enum(POLICY_SUBJECTS)),
    conditions: z.record(z.string(), z.unknown()).optional(),
    fields: oneOrMany(z.string().min(1)).optional(),
    inverted: z.boolean().optional(),
    reason: z.string().optional(),
  })
  .strict();

const ticketRulesSchema = z
  .object({
    acceptStates: z.array(z.string().min(1)).min(1).default(['Implement']),
    requireApproval: z.boolean().default(true),
    requireWindow: z.boolean().default(true),
    requireDeviceInTicket: z.boolean().default(false),
  })
  .strict();

const policySchema = z
  .object({
    roles: z.record(z.string().min(1), z.array(ruleSchema)),
    changeTickets: ticketRulesSchema.default({
      acceptStates: ['Implement'],
      requireApproval: true,
      requireWindow: true,
      requireDeviceInTicket: false,
    }),
  })
  .strict();

export type PolicyRule = z.infer<typeof ruleSchema>;
export type ChangeTicketRules = z.infer<typeof ticketRulesSchema>;

/** The validated policy file; `version` (sha256 of its bytes) is stamped on every attempt. */
export class Policy {
  constructor(
    readonly roles: Record<string, PolicyRule[]>,
    readonly changeTickets: ChangeTicketRules,
    readonly version: string,
    readonly source: string,
  ) {}
}

export class InvalidPolicyError extends Error {}

export function loadPolicyFile(path: string): Policy {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InvalidPolicyError(`Policy file ${path} cannot be read: ${(error as Error).message}`);
  }
  return parsePolicy(bytes, path);
}

export function parsePolicy(bytes: Buffer, source: string): Policy {
  let document: unknown;
  try {
    document = parseYaml(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidPolicyError(`Policy file ${source} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  at ${formatPath(issue.path)}: ${issue.message}`);
    throw new InvalidPolicyError(`Policy file ${source} is invalid:\n${lines.join('\n')}`);
  }
  const compileErrors = checkRulesCompile(parsed.data.roles);
  if (compileErrors.length > 0) {
    throw new InvalidPolicyError(`Policy file ${source} is invalid:\n${compileErrors.map((line) => `  at ${line}`).join('\n')}`);
  }
  const version = createHash('sha256').update(bytes).digest('hex');
  return new Policy(parsed.data.roles, parsed.data.changeTickets, version, source);
}

function formatPath(path: PropertyKey[]): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`)).join('') || '(root)';
}
