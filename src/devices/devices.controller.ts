import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ProblemCode } from '../http/problem-code';
import { ProblemError } from '../http/problem.error';
import { DeviceLookup } from './device-lookup.service';
import type { DeviceView } from './device-view';

class CanUnassignDto {
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why not, when not allowed.' }) reason!: string | null;
  @ApiProperty({ description: 'The caller must name a change ticket (false: break-glass may leave it out).' })
  ticketRequired!: boolean;
}

class DeviceViewDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The Graph fields the policy can match on (those the read rule lists); never a secret such as deviceAccountPassword.',
    example: {
      id: '5a1c1d5e-0000-4000-8000-000000000001',
      serialNumber: 'SIM-MTR-0001',
      groupTag: 'MTR-EU',
      displayName: 'ROOM-EU-01',
    },
  })
  device!: object;
  @ApiProperty() hasResourceAccount!: boolean;
  @ApiProperty({ type: CanUnassignDto }) canUnassign!: CanUnassignDto;
}

export const DEVICE_VIEW_EXAMPLE: DeviceViewDto = {
  device: {
    id: '5a1c1d5e-0000-4000-8000-000000000001',
    serialNumber: 'SIM-MTR-0001',
    groupTag: 'MTR-EU',
    displayName: 'ROOM-EU-01',
  },
  hasResourceAccount: true,
  canUnassign: { allowed: true, reason: null, ticketRequired: true },
};

const LOOKUP_REFUSALS = [
  ProblemCode.InvalidRequest,
  ProblemCode.Unauthenticated,
  ProblemCode.PolicyDenied,
  ProblemCode.GraphUnavailable,
  ProblemCode.GraphError,
  ProblemCode.GraphTimeout,
  ProblemCode.RateLimited,
];

@ApiTags('devices')
@ApiBearerAuth()
@Controller('v1/autopilot-devices')
export class DevicesController {
  constructor(private readonly lookup: DeviceLookup) {}

  @Get(':deviceId')
  @ApiOperation({
    operationId: 'getDevice',
    summary: 'An Autopilot device as the gate sees it, and whether the caller could unassign its resource account now',
    description: 'Needs a `read AutopilotDevice` rule; a device the caller may not read is a 404.',
  })
  @ApiOkResponse({ type: DeviceViewDto, description: 'The device.', example: DEVICE_VIEW_EXAMPLE })
  @ApiProblemResponses(...LOOKUP_REFUSALS, ProblemCode.DeviceNotFound)
  byId(@Param('deviceId') deviceId: string, @CurrentPrincipal() caller: Principal): Promise<DeviceView> {
    return this.lookup.byId(caller, deviceId);
  }

  @Get()
  @ApiOperation({
    operationId: 'findDevicesBySerial',
    summary: 'The Autopilot devices with this serial number (zero, one or more)',
    description:
      'Graph is asked with contains(serialNumber, ...); only exact matches are kept, ignoring case and surrounding blanks.',
  })
  @ApiQuery({
    name: 'serialNumber',
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 100 },
    description: '1 to 100 printable ASCII characters.',
  })
  @ApiOkResponse({
    type: [DeviceViewDto],
    description: 'The matching devices the caller may read.',
    example: [DEVICE_VIEW_EXAMPLE],
  })
  @ApiProblemResponses(...LOOKUP_REFUSALS)
  bySerial(
    @Query('serialNumber') serialNumber: string | undefined,
    @CurrentPrincipal() caller: Principal,
  ): Promise<DeviceView[]> {
    if (typeof serialNumber !== 'string') {
      throw new ProblemError(ProblemCode.InvalidRequest, 'serialNumber: is required.', {
        errors: [{ path: 'serialNumber', message: 'is required' }],
      });
    }
    return this.lookup.bySerial(caller, serialNumber);
  }
}
