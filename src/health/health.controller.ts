import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { isDatabaseReady, type DatabaseConnection } from '../database/database-connection';
import { DATABASE_CONNECTION } from '../database/database.providers';
import { DEFAULT_MIGRATIONS_DIR } from '../database/migrations-dir';
import { GraphBreaker } from '../graph/resilience/graph-breaker';

const READINESS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'database', 'graph'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    database: {
      type: 'object',
      required: ['kind', 'reachable', 'writable', 'pendingMigrations'],
      properties: {
        kind: { type: 'string', enum: ['postgres', 'pglite'] },
        reachable: { type: 'boolean' },
        writable: { type: 'boolean' },
        pendingMigrations: { type: 'array', items: { type: 'string' } },
      },
    },
    graph: {
      type: 'object',
      required: ['circuit'],
      properties: {
        circuit: {
          type: 'object',
          required: ['state'],
          properties: {
            state: { type: 'string', enum: ['closed', 'half_open', 'open'] },
            retryAfterSeconds: { type: 'integer' },
          },
        },
      },
    },
  },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
    private readonly breaker: GraphBreaker,
  ) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'The process is up.',
    description: "Kubernetes' liveness probe: answers as long as the process serves HTTP; needs no token.",
    security: [],
  })
  @ApiOkResponse({
    description: 'Alive.',
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
    example: { status: 'ok' },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    operationId: 'getReadiness',
    security: [],
    summary:
      'The database is reachable, an attempt could be written within the lock timeout, and every migration is applied.',
    description:
      "The Graph circuit breaker's state is reported too, without making the pod unready: readiness is about the database.",
  })
  @ApiOkResponse({
    description: 'Ready.',
    schema: READINESS_SCHEMA,
    example: {
      status: 'ready',
      database: { kind: 'postgres', reachable: true, writable: true, pendingMigrations: [] },
      graph: { circuit: { state: 'closed' } },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'Not ready: the body says why.',
    schema: READINESS_SCHEMA,
    example: {
      status: 'not_ready',
      database: { kind: 'postgres', reachable: true, writable: true, pendingMigrations: ['20261203120000_work_notes'] },
      graph: { circuit: { state: 'open', retryAfterSeconds: 20 } },
    },
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    const readiness = await isDatabaseReady(this.database, DEFAULT_MIGRATIONS_DIR);
    const ready = readiness.reachable && readiness.writable && readiness.pendingMigrations.length === 0;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not_ready',
      database: { kind: this.database.kind, ...readiness },
      graph: { circuit: this.breaker.status() },
    };
  }
}
