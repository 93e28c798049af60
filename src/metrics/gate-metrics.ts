import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EntryPoint, TerminalOutcome } from '../attempts/attempt';
import type { GraphResult, GraphTry } from '../graph/graph-client';
import type { GraphTryObserver } from '../graph/resilience/graph-try-observer';
import type { CircuitStatus } from '../graph/resilience/graph-breaker';
import type { PoolUsage } from '../database/database-connection';

/** What the gauges read when Prometheus scrapes, rather than on every change. */
export interface MetricSources {
  circuit(): CircuitStatus['state'];
  databasePool(): PoolUsage;
}

export type RateLimitReason = 'caller_limit' | 'ip_limit' | 'gate_pacing';
export type TicketLookupResult = 'found' | 'not_found' | 'unavailable';

const PREFIX = 'autopilot_gate_';
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const CIRCUIT_STATES: CircuitStatus['state'][] = ['closed', 'open', 'half_open'];

/**
 * Every series the gate exposes, in one registry of its own (each app its own, so tests can run several), and one
 * method per thing that happened. Named the Prometheus way: `_total` counters, `_seconds` histograms, base units.
 */
export class GateMetrics implements GraphTryObserver {
  readonly registry = new Registry();

  private readonly requests = this.counter(
    'http_requests_total',
    'Requests answered, by method, route template and status.',
    ['method', 'route', 'status'],
  );
  private readonly requestSeconds = this.histogram(
    'http_request_duration_seconds',
    'Time from receiving a request to the end of its answer, by method, route template and status.',
    ['method', 'route', 'status'],
  );
  private readonly attempts = this.counter(
    'attempts_total',
    'Attempts settled, by outcome, entry point and who settled them (the request itself or the sweeper).',
    ['outcome', 'entry_point', 'settled_by'],
  );
  private readonly graphSeconds = this.histogram(
    'graph_request_duration_seconds',
    "Each try toward Microsoft Graph, token and connection included, the gate's own pacing excluded; by operation, result and HTTP status (empty when Graph did not answer).",
    ['operation', 'result', 'status'],
  );
  private readonly graphRetries = this.counter(
    'graph_retries_total',
    'Tries sent again after a transient failure, by operation.',
    ['operation'],
  );
  private readonly graphThrottled = this.counter(
    'graph_throttled_responses_total',
    'Answers 429 from Microsoft Graph, by operation.',
    ['operation'],
  );
  private readonly ticketSeconds = this.histogram(
    'ticket_lookup_duration_seconds',
    'Change ticket look-ups in the ticket system (cache hits are not look-ups), by provider and result.',
    ['provider', 'result'],
  );
  private readonly rateLimitRefusals = this.counter(
    'rate_limit_refusals_total',
    "Requests refused 429 by the gate's own limits: per caller, per address without a valid token, or pacing toward Graph.",
    ['reason'],
  );

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: `${PREFIX}graph_circuit_state`,
      help: 'The circuit breaker toward Microsoft Graph (this replica): 1 for the state it is in.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const current = sources.circuit();
        for (const state of CIRCUIT_STATES) this.labels(state).set(state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}database_pool_connections`,
      help: 'Connections of the database pool, in use or idle (PGlite: one connection, always in use).',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const pool = sources.databasePool();
        this.labels('in_use').set(pool.total - pool.idle);
        this.labels('idle').set(pool.idle);
      },
    });
    new Gauge({
      name: `${PREFIX}database_pool_waiting_requests`,
      help: 'Queries waiting for a free connection of the database pool.',
      registers: [this.registry],
      collect() {
        this.set(sources.databasePool().waiting);
      },
    });
  }

  requestServed(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, seconds);
  }

  attemptSettled(outcome: TerminalOutcome, entryPoint: EntryPoint, settledBy: 'request' | 'sweeper'): void {
    this.attempts.inc({ outcome, entry_point: entryPoint, settled_by: settledBy });
  }

  tried(operation: GraphTry['operation'], result: GraphResult<unknown>): void {
    const seconds = Math.max(0, result.durationMs - (result.pacedMs ?? 0)) / 1000;
    this.graphSeconds.observe(
      { operation, result: result.kind, status: result.status === undefined ? '' : String(result.status) },
      seconds,
    );
    if (result.status === 429) this.graphThrottled.inc({ operation });
  }

  retrying(operation: GraphTry['operation']): void {
    this.graphRetries.inc({ operation });
  }

  ticketLookedUp(provider: string, result: TicketLookupResult, seconds: number): void {
    this.ticketSeconds.observe({ provider, result }, seconds);
  }

  rateLimitRefused(reason: RateLimitReason): void {
    this.rateLimitRefusals.inc({ reason });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[]): Histogram<L> {
    return new Histogram({ name: `${PREFIX}${name}`, help, labelNames, buckets: SECONDS, registers: [this.registry] });
  }

  /** The registry in Prometheus' text format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
