import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SerialRuns } from '../../background/serial-runs';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/app-config.token';
import type { DatabaseConnection } from '../../database/database-connection';
import { DATABASE_CONNECTION } from '../../database/database.providers';
import { hasResourceAccount } from '../../graph/autopilot-device';
import { GraphClient } from '../../graph/graph-client';
import { GateMetrics } from '../../metrics/gate-metrics';
import { InboundRateLimiter } from '../../rate-limits/inbound-rate-limiter';
import type { ChangeTicket } from '../../tickets/change-ticket';
import type { WorkNoteToWrite } from '../../tickets/work-notes/work-note';
import { workNoteText } from '../../tickets/work-notes/work-note-text';
import type { AttemptRecord } from '../attempt';
import { AttemptRepository, type StaleSettlement } from '../attempt.repository';

// Any constant unlike Prisma's 72707369 and the tests' template lock.
const SWEEPER_LOCK = 72707371;

export interface SweepReport {
  swept: boolean;
  settled: number;
}

/**
 * Settles attempts a crash, a cut database or a kill left `in_flight` for longer than SWEEP_STALE_AFTER_MS (which
 * exceeds any call's deadline, so no live request is taken): the device is read from Graph, and no resource account
 * means the unassign happened (`succeeded`, reconciled); otherwise `unknown`, with the reason. One replica sweeps at a
 * time (advisory lock); each sweep also forgets expired idempotency keys and ended rate-limit windows.
 */
@Injectable()
export class AttemptSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AttemptSweeper.name);
  private readonly logFailure = (error: unknown) => this.logger.error({ err: error }, 'sweep failed');
  private readonly runs = new SerialRuns(() => this.sweepUnderLock(), this.logFailure);

  constructor(
    private readonly attempts: AttemptRepository,
    private readonly graph: GraphClient,
    private readonly limiter: InboundRateLimiter,
    @Inject(DATABASE_CONNECTION) private readonly database: DatabaseConnection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: GateMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.runs.every(this.config.resilience.sweeper.intervalMs);
  }

  /** Before the database closes: a sweep under way finishes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.runs.stop();
  }

  /** One sweep, after the one running here if any; a failure is logged and reported as no sweep. */
  sweep(): Promise<SweepReport> {
    return this.runs.runNow().catch((error: unknown) => {
      this.logFailure(error);
      return { swept: false, settled: 0 };
    });
  }

  private sweepUnderLock(): Promise<SweepReport> {
    return this.database.withSession(async (session) => {
      const [{ locked }] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        SWEEPER_LOCK,
      ]);
      if (!locked) return { swept: false, settled: 0 };
      try {
        const settled = await this.settleStale();
        await this.attempts.forgetExpiredKeys();
        await this.limiter.forgetBefore(new Date(Date.now() - 2 * this.config.resilience.inboundLimits.windowMs));
        return { swept: true, settled };
      } finally {
        await session.query('SELECT pg_advisory_unlock($1)', [SWEEPER_LOCK]);
      }
    });
  }

  private async settleStale(): Promise<number> {
    const stale = await this.attempts.staleInFlight(this.config.resilience.sweeper.staleAfterMs);
    let settled = 0;
    for (const attempt of stale) {
      const settlement = await this.settlementFor(attempt.deviceId);
      if (await this.attempts.settleStale(attempt.id, settlement, this.workNoteFor(attempt, settlement.outcome))) {
        settled += 1;
        this.metrics.attemptSettled(settlement.outcome, attempt.entryPoint, 'sweeper');
      }
      this.logger.warn(
        { attemptId: attempt.id, outcome: settlement.outcome },
        'stale in-flight attempt settled by the sweeper',
      );
    }
    return settled;
  }

  /** A swept attempt checked against a ServiceNow change may have been forwarded: its change gets a note too. */
  private workNoteFor(
    attempt: AttemptRecord,
    outcome: string,
  ): Extract<WorkNoteToWrite, { kind: 'servicenow' }> | undefined {
    const ticket = attempt.ticketSnapshot as Partial<ChangeTicket> | null;
    if (
      !this.config.tickets.workNotes.enabled ||
      ticket?.source !== 'servicenow' ||
      !ticket.number ||
      !ticket.externalId
    )
      return undefined;
    return {
      kind: 'servicenow',
      changeNumber: ticket.number,
      changeSysId: ticket.externalId,
      body: workNoteText(attempt, outcome),
    };
  }

  private async settlementFor(deviceId: string | null): Promise<StaleSettlement> {
    const stopped = 'the gate stopped before recording the outcome';
    if (deviceId === null) return { outcome: 'unknown', reconciled: false, note: `${stopped}; no device to read back` };
    const read = await this.graph.getAutopilotDevice(deviceId, randomUUID());
    const tries = read.tries ?? [];
    if (read.kind !== 'ok')
      return {
        outcome: 'unknown',
        reconciled: false,
        note: `${stopped}; the device could not be read back (${read.kind})`,
        tries,
      };
    if (!hasResourceAccount(read.value)) {
      return {
        outcome: 'succeeded',
        reconciled: true,
        note: `${stopped}; the device has no resource account any more`,
        tries,
      };
    }
    return {
      outcome: 'unknown',
      reconciled: false,
      note: `${stopped}; the device still has its resource account`,
      tries,
    };
  }
}
