import { Controller, Get } from '@nestjs/common';
import { packRules } from '@casl/ability/extra';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { AbilityFactory } from '../policy/ability.factory';
import { Policy } from '../policy/policy-file';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';

class PrincipalDto {
  @ApiProperty({ enum: ['user', 'app'] }) kind!: string;
  @ApiProperty() oid!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty({ required: false }) upn?: string;
  @ApiProperty({ required: false }) name?: string;
  @ApiProperty({ required: false }) appId?: string;
  @ApiProperty({ type: [String] }) roles!: string[];
}

class MeDto {
  @ApiProperty({ type: PrincipalDto }) principal!: PrincipalDto;
  @ApiProperty({
    description:
      "The caller's CASL rules packed with @casl/ability/extra packRules; unpackRules + createMongoAbility rebuild them.",
    type: 'array',
    items: { type: 'array', items: {} },
  })
  rules!: unknown[];
  @ApiProperty({ description: 'sha256 of the policy file in force.' }) policyVersion!: string;
}

const ME_EXAMPLE: MeDto = {
  principal: {
    kind: 'user',
    oid: '11111111-aaaa-4bbb-8ccc-000000000011',
    tenantId: '99999999-aaaa-4bbb-8ccc-000000000099',
    upn: 'alex@contoso.example',
    name: 'Alex Wilber',
    roles: ['Autopilot.ResourceAccount.Unassign'],
  },
  rules: [
    ['unassign', 'AutopilotDevice', { groupTag: { $in: ['MTR-EU'] } }],
    ['read', 'Attempt', { actorOid: '11111111-aaaa-4bbb-8ccc-000000000011' }],
  ],
  policyVersion: '4f1c0e0b7a3d2c9e8f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e',
};

@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly abilities: AbilityFactory,
    private readonly policy: Policy,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'getMe',
    summary: 'Who the gate thinks the caller is, and what the policy lets them do (for showing or hiding buttons).',
    description:
      'The principal read from the token, the CASL rules the policy gives it (packed), and the version of the policy in force.',
  })
  @ApiOkResponse({ type: MeDto, description: 'The caller and their rules.', example: ME_EXAMPLE })
  @ApiProblemResponses(ProblemCode.Unauthenticated)
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return { principal, rules: packRules(this.abilities.rulesFor(principal)), policyVersion: this.policy.version };
  }
}
