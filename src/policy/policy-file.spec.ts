import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidPolicyError, loadPolicyFile, parsePolicy } from './policy-file';
import { POLICY_ACTIONS, POLICY_SUBJECTS, SUBJECT_FIELDS } from './policy-vocabulary';

const SHIPPED_POLICY = path.join(__dirname, '..', '..', 'config', 'policy.yaml');
const SOURCE = 'test-policy.yaml';

/** A valid policy with one role whose single rule is the YAML flow mapping given. */
const withRule = (rule: string) => `roles:\n  Some.Role:\n    - ${rule}\n`;

function refusalOf(yaml: string): InvalidPolicyError {
  try {
    parsePolicy(Buffer.from(yaml), SOURCE);
  } catch (error) {
    if (error instanceof InvalidPolicyError) return error;
    throw error;
  }
  throw new Error('the policy was accepted');
}

describe(loadPolicyFile.name, () => {
  it('loads the shipped config/policy.yaml', () => {
    const policy = loadPolicyFile(SHIPPED_POLICY);

    expect([...policy.roles.keys()]).toEqual(
      expect.arrayContaining(['Autopilot.ResourceAccount.Unassign', 'Autopilot.BreakGlass', 'Audit.Reader']),
    );
    expect(policy.roles.get('Autopilot.ResourceAccount.Unassign')).toContainEqual({
      action: ['read', 'unassign'],
      subject: 'AutopilotDevice',
      conditions: { groupTag: { $in: ['MTR-EU', 'MTR-US'] } },
    });
    expect(policy.changeTickets).toEqual({
      acceptStates: ['Implement'],
      requireApproval: true,
      requireWindow: true,
      requireDeviceInTicket: false,
    });
  });

  it('links the CASL documentation of the major version the gate runs', () => {
    // Its exports map hides package.json from require.resolve.
    const caslPackage = path.join(__dirname, '..', '..', 'node_modules', '@casl', 'ability', 'package.json');
    const caslMajor = (JSON.parse(readFileSync(caslPackage, 'utf8')) as { version: string }).version.split('.')[0];

    expect(readFileSync(SHIPPED_POLICY, 'utf8').split('\n')[0]).toContain(
      `https://casl.js.org/v${caslMajor}/en/guide/define-rules`,
    );
  });

  it('versions the policy with the sha256 of its bytes', () => {
    const policy = loadPolicyFile(SHIPPED_POLICY);

    expect(policy.version).toBe(createHash('sha256').update(readFileSync(SHIPPED_POLICY)).digest('hex'));
  });

  it('gives a different version to a file that differs only in a comment', () => {
    const bytes = readFileSync(SHIPPED_POLICY);

    const edited = parsePolicy(Buffer.concat([bytes, Buffer.from('\n# reviewed\n')]), SOURCE);

    expect(edited.version).not.toBe(loadPolicyFile(SHIPPED_POLICY).version);
  });

  it('refuses a file that cannot be read, naming it', () => {
    expect(() => loadPolicyFile('/nonexistent/policy.yaml')).toThrow(/\/nonexistent\/policy\.yaml cannot be read/);
  });
});

describe(parsePolicy.name, () => {
  it('refuses an unknown action, naming the rule and the actions there are', () => {
    const error = refusalOf(withRule('{ action: delete, subject: AutopilotDevice }'));

    expect(error.message).toContain(SOURCE);
    expect(error.message).toContain(
      `at roles.Some.Role[0].action: "delete" is not one of the actions: ${POLICY_ACTIONS.join(', ')}`,
    );
  });

  it('refuses an unknown action in a list, naming the actions there are', () => {
    const error = refusalOf(withRule('{ action: [read, nuke], subject: Attempt }'));

    expect(error.message).toContain(
      `at roles.Some.Role[0].action: "nuke" is not one of the actions: ${POLICY_ACTIONS.join(', ')}`,
    );
  });

  it('refuses an unknown subject, naming the rule and the subjects there are', () => {
    const error = refusalOf(withRule('{ action: unassign, subject: Printer }'));

    expect(error.message).toContain(
      `at roles.Some.Role[0].subject: "Printer" is not one of the subjects: ${POLICY_SUBJECTS.join(', ')}`,
    );
  });

  it('refuses an unknown top-level key, naming it', () => {
    const error = refusalOf(`${withRule('{ action: read, subject: Attempt }')}rolez: {}\n`);

    expect(error.message).toContain('at (root)');
    expect(error.message).toContain('rolez');
  });

  it('refuses an unknown key in the change ticket rules, naming it', () => {
    const error = refusalOf(
      `${withRule('{ action: read, subject: Attempt }')}changeTickets:\n  requireApprovel: true\n`,
    );

    expect(error.message).toContain('at changeTickets');
    expect(error.message).toContain('requireApprovel');
  });

  it('refuses a Mongo operator CASL does not know, naming the conditions', () => {
    const error = refusalOf(
      withRule('{ action: unassign, subject: AutopilotDevice, conditions: { groupTag: { $nope: [MTR-EU] } } }'),
    );

    expect(error.message).toContain('at roles.Some.Role[0].conditions');
    expect(error.message).toContain('$nope');
  });

  it('refuses an unknown placeholder, naming it and the conditions', () => {
    const error = refusalOf(withRule('{ action: read, subject: Attempt, conditions: { actorUpn: "${user.email}" } }'));

    expect(error.message).toContain('at roles.Some.Role[0].conditions');
    expect(error.message).toContain('${user.email}');
  });

  it('refuses invalid YAML, naming the file and the line', () => {
    const error = refusalOf('roles:\n  Some.Role:\n    - { action: read, subject: Attempt\n');

    expect(error.message).toContain(`${SOURCE} is not valid YAML`);
    expect(error.message).toMatch(/line \d+/);
  });

  it('accepts the known placeholders and operators', () => {
    const policy = parsePolicy(
      Buffer.from(
        withRule(
          '{ action: read, subject: Attempt, conditions: { actorOid: "${user.oid}", actorTenantId: "${user.tenantId}", outcome: { $ne: unknown } } }',
        ),
      ),
      SOURCE,
    );

    expect(policy.roles.get('Some.Role')).toHaveLength(1);
  });

  it('refuses a condition on a field the subject does not have, naming the fields it has', () => {
    const error = refusalOf(
      withRule('{ action: unassign, subject: AutopilotDevice, conditions: { grouptag: MTR-EU } }'),
    );

    expect(error.message).toContain('at roles.Some.Role[0].conditions: AutopilotDevice has no field grouptag');
    expect(error.message).toContain('groupTag');
  });

  it('refuses a bypass condition on anything but the ticket number, which is all that is known before the look-up', () => {
    const error = refusalOf(withRule('{ action: bypass, subject: ChangeTicket, conditions: { state: Implement } }'));

    expect(error.message).toContain('ChangeTicket has no field state');
  });

  it('accepts a dotted condition into a field of the subject', () => {
    const policy = parsePolicy(
      Buffer.from(withRule('{ action: read, subject: Attempt, conditions: { deviceSnapshot.groupTag: MTR-EU } }')),
      SOURCE,
    );

    expect(policy.roles.get('Some.Role')).toHaveLength(1);
  });

  it('refuses fields on an action that returns nothing to leave out', () => {
    const error = refusalOf(withRule('{ action: write, subject: LocalChangeTicket, fields: [state] }'));

    expect(error.message).toContain('at roles.Some.Role[0].fields: only read can be limited to fields, not write');
  });

  it('refuses a fields entry the subject does not have', () => {
    const error = refusalOf(withRule('{ action: read, subject: Attempt, fields: [id, secret] }'));

    expect(error.message).toContain(
      `at roles.Some.Role[0].fields: Attempt has no field secret (it has ${SUBJECT_FIELDS.Attempt.join(', ')})`,
    );
  });

  it('refuses a caller placeholder that is not pinned to the caller tenant', () => {
    const error = refusalOf(withRule('{ action: read, subject: Attempt, conditions: { actorOid: "${user.oid}" } }'));

    expect(error.message).toContain('${user.oid} names a caller only within a tenant');
  });

  it('keeps roles named like Object.prototype members as ordinary roles', () => {
    const policy = parsePolicy(
      Buffer.from('roles:\n  __proto__:\n    - { action: read, subject: Attempt }\n  constructor: []\n'),
      SOURCE,
    );

    expect([...policy.roles.keys()]).toEqual(['__proto__', 'constructor']);
    expect(policy.roles.get('__proto__')).toEqual([{ action: 'read', subject: 'Attempt' }]);
    expect(policy.roles.get('toString')).toBeUndefined();
  });
});
