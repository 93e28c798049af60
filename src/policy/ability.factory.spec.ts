import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/principal';
import { AbilityFactory } from './ability.factory';
import { parsePolicy } from './policy-file';

const POLICY = `
roles:
  Unassign:
    - { action: unassign, subject: AutopilotDevice }
  Restricted.NoUS:
    - { action: unassign, subject: AutopilotDevice, inverted: true, conditions: { groupTag: MTR-US }, reason: US rooms are out of scope }
  Own.Attempts:
    - { action: read, subject: Attempt, conditions: { actorOid: "\${user.oid}", actorTenantId: "\${user.tenantId}" } }
`;

const factory = new AbilityFactory(parsePolicy(Buffer.from(POLICY), 'test.yaml'));
const caller = (roles: string[]): Principal => ({ kind: 'user', oid: 'oid-1', tenantId: 'tenant-1', roles });
const usRoom = subject('AutopilotDevice', { id: 'd', groupTag: 'MTR-US' });
const euRoom = subject('AutopilotDevice', { id: 'd', groupTag: 'MTR-EU' });

describe(AbilityFactory.name, () => {
  it.each([[['Unassign', 'Restricted.NoUS']], [['Restricted.NoUS', 'Unassign']]])(
    'lets an inverted rule win whatever the order of the roles in the token: %j',
    (roles) => {
      const ability = factory.forPrincipal(caller(roles));

      expect(ability.can('unassign', usRoom)).toBe(false);
      expect(ability.relevantRuleFor('unassign', usRoom)?.reason).toBe('US rooms are out of scope');
      expect(ability.can('unassign', euRoom)).toBe(true);
    },
  );

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'grants nothing for a token role named %s',
    (role) => {
      const ability = factory.forPrincipal(caller([role, 'Own.Attempts']));

      expect(factory.rulesFor(caller([role]))).toEqual([]);
      expect(ability.can('unassign', euRoom)).toBe(false);
      expect(ability.can('read', subject('Attempt', { actorOid: 'oid-1', actorTenantId: 'tenant-1' }))).toBe(true);
    },
  );

  it('matches a caller on tenant and oid together', () => {
    const ability = factory.forPrincipal(caller(['Own.Attempts']));

    expect(ability.can('read', subject('Attempt', { actorOid: 'oid-1', actorTenantId: 'tenant-1' }))).toBe(true);
    expect(ability.can('read', subject('Attempt', { actorOid: 'oid-1', actorTenantId: 'tenant-2' }))).toBe(false);
  });
});
