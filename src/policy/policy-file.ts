import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkRulesCompile } from './rule-compilation';
import { checkRulesMeaning } from './rule-meaning';
import { POLICY_ACTIONS, POLICY_SUBJECTS } from './policy-vocabulary';

const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema, z.array(schema).min(1)]);

/** One of `values` or a list of them; a refusal names the values that exist (zod alone would say "Invalid input"). */
const oneOrManyOf = <const T extends readonly [string, ...string[]]>(noun: string, values: T) =>
  z.union([z.enum(values), z.array(z.enum(values)).min(1)], {
    error: (issue) =>
      `${unknownIn(issue.input, values)} is not one of the ${noun}s: ${values.join(', ')} (give one, or a list of them)`,
  });

function unknownIn(input: unknown, values: readonly string[]): string {
  if (!Array.isArray(input)) return JSON.stringify(input);
  if (input.length === 0) return 'an empty list';
  return input
    .filter((value) => !values.includes(value as string))
    .map((value) => JSON.stringify(value))
    .join(', ');
}

const ruleSchema = z
  .object({
    action: oneOrManyOf('action', POLICY_ACTIONS),
    subject: oneOrManyOf('subject', POLICY_SUBJECTS),
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

// Roles are validated one by one (see parseRoles): a record schema would drop a role named `__proto__`.
const policySchema = z
  .object({
    roles: z.record(z.string().min(1), z.unknown()),
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

/**
 * The validated policy file; `version` (sha256 of its bytes) is stamped on every attempt.
 * Roles are a Map: role names come from tokens, and `constructor` or `__proto__` must find nothing, not a prototype member.
 */
export class Policy {
  constructor(
    readonly roles: ReadonlyMap<string, PolicyRule[]>,
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
  if (!parsed.success) throw invalidPolicy(source, parsed.error.issues);
  const roles = parseRoles(document as { roles: Record<string, unknown> }, source);
  const ruleErrors = [...checkRulesMeaning(roles), ...checkRulesCompile(roles)];
  if (ruleErrors.length > 0) {
    throw new InvalidPolicyError(
      `Policy file ${source} is invalid:\n${ruleErrors.map((line) => `  at ${line}`).join('\n')}`,
    );
  }
  const version = createHash('sha256').update(bytes).digest('hex');
  return new Policy(roles, parsed.data.changeTickets, version, source);
}

function parseRoles(document: { roles: Record<string, unknown> }, source: string): Map<string, PolicyRule[]> {
  const roles = new Map<string, PolicyRule[]>();
  const issues: z.core.$ZodIssue[] = [];
  for (const [role, rules] of Object.entries(document.roles)) {
    const parsed = z.array(ruleSchema).safeParse(rules);
    if (parsed.success) roles.set(role, parsed.data);
    else issues.push(...parsed.error.issues.map((issue) => ({ ...issue, path: ['roles', role, ...issue.path] })));
  }
  if (issues.length > 0) throw invalidPolicy(source, issues);
  return roles;
}

function invalidPolicy(source: string, issues: readonly z.core.$ZodIssue[]): InvalidPolicyError {
  const lines = issues.map((issue) => `  at ${formatPath(issue.path)}: ${issue.message}`);
  return new InvalidPolicyError(`Policy file ${source} is invalid:\n${lines.join('\n')}`);
}

function formatPath(path: PropertyKey[]): string {
  return (
    path
      .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
      .join('') || '(root)'
  );
}
