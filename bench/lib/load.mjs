// Drives one server with autocannon over keep-alive connections, every request a new device (a real attempt).
//
// Closed loop: `connections` connections, each sends its next request as soon as the previous one is answered.
//
// Open loop at a fixed rate: autocannon's own `overallRate` is not a fixed-rate arrival process. It gives each
// connection a quota per second; all quotas refill on the same one-second tick, so every second starts with a
// burst at full concurrency and then idles, and its coordinated-omission "correction" uses an expected interval of
// ceil(1/rate) = 1 ms, which back-fills fake samples. So the default pacer ('even') schedules autocannon's own
// connections instead: connection i sends at start + i/rate + k*connections/rate, i.e. one request every 1/rate
// seconds overall, evenly spaced. A request that could not leave on time because its connection was still waiting
// for the server leaves as soon as it can, its latency is counted from its slot (so queueing is not hidden), and
// it counts as a late start.
// BENCH_OPEN_LOOP_PACER=autocannon uses overallRate as autocannon implements it, for comparison.
//
// Ending: autocannon's own `duration` cuts connections with requests still in flight, which the server then
// serves and records anyway, so "requests" and "attempt rows" would differ by up to one per connection. Instead,
// after `seconds` no connection starts a new request, the ones in flight are answered, and then the run stops:
// every request sent has its response (or counts as an error), and the row check can be exact.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

// BENCH_IDEMPOTENCY_KEYS=0 sends none, to measure what claiming them costs.
const SEND_IDEMPOTENCY_KEYS = process.env.BENCH_IDEMPOTENCY_KEYS !== '0';
const DRAIN_LIMIT_SECONDS = 15;

export function deviceIdSequence(tag) {
  let counter = 0;
  return {
    tag,
    next: () => `${tag}-0000-4000-8000-${(counter++).toString(16).padStart(12, '0')}`,
    issued: () => counter,
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * @returns {Promise<{completed:number, sent:number, ok:number, non2xx:number, errors:number, timeouts:number,
 *   statusCodes:Record<string,number>, seconds:number, reqPerSec:number, latencyMs:{p50:number,p90:number,p99:number,max:number,mean:number},
 *   late:{count:number,maxMs:number}}>}
 */
export function drive({ baseUrl, token, ticket, connections, seconds, rate = null, pacer = 'even', ids }) {
  const latencies = [];
  const statusCodes = {};
  const late = { count: 0, maxMs: 0 };
  const paced = rate !== null && pacer === 'even';
  const startedAt = performance.now();
  const firstDue = startedAt + (paced ? 200 : 0);
  const deadline = firstDue + seconds * 1000;
  let sent = 0;
  let ok = 0;
  let inFlight = 0;
  let idleClients = 0;
  let clientIndex = 0;
  let lastResponseAt = startedAt;
  let instance;
  let stopping = false;

  const stopWhenDrained = () => {
    if (!stopping && idleClients === clientIndex && inFlight === 0 && instance) {
      stopping = true;
      instance.stop();
    }
  };

  const setupClient = (client) => {
    const index = clientIndex++;
    const periodMs = paced ? (connections / rate) * 1000 : 0;
    let due = firstDue + (paced ? (index * 1000) / rate : 0);
    let lagOfInFlight = 0;
    let idle = false;
    let waiting = false;

    client.on('request', () => {
      sent += 1;
      inFlight += 1;
    });
    client.on('response', (statusCode, _bytes, responseTime) => {
      inFlight -= 1;
      lastResponseAt = performance.now();
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) ok += 1;
      latencies.push(responseTime + lagOfInFlight);
    });
    // A timed-out request is never answered; autocannon reconnects and sends the next one.
    client.on('timeout', () => {
      inFlight -= 1;
    });

    const send = client._doRequest;
    client._doRequest = function scheduledRequest(...args) {
      if (this.destroyed || waiting || idle) return;
      const now = performance.now();
      if (now >= deadline) {
        idle = true;
        idleClients += 1;
        stopWhenDrained();
        return;
      }
      if (paced) {
        const wait = due - now;
        if (wait > 0.5) {
          // Early: wait for the slot. The timer's own lateness is the load generator's, not the server's, so a
          // request sent from the timer counts its latency from when it actually left.
          waiting = true;
          setTimeout(() => {
            waiting = false;
            if (this.destroyed || idle) return;
            if (performance.now() >= deadline) return scheduledRequest.apply(this, args);
            lagOfInFlight = 0;
            due += periodMs;
            send.apply(this, args);
          }, wait);
          return;
        }
        // The slot came while this connection was still waiting for the server: the request is late because
        // of the server, and its latency counts from the slot.
        lagOfInFlight = Math.max(0, -wait);
        if (lagOfInFlight > 1) {
          late.count += 1;
          late.maxMs = Math.max(late.maxMs, lagOfInFlight);
        }
        due += periodMs;
      }
      send.apply(this, args);
    };
  };

  const body = JSON.stringify({
    changeTicket: ticket,
    justification: 'bench: bulk ITSM campaign, unassign the room account',
  });
  return new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: seconds + (paced ? 0.2 : 0) + DRAIN_LIMIT_SECONDS,
        pipelining: 1,
        timeout: 10,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        requests: [
          {
            setupRequest(request) {
              request.path = `/v1/autopilot-devices/${ids.next()}/unassign-resource-account`;
              // A key per request, as a retrying ITSM flow sends them: the gate claims each one in Postgres.
              if (SEND_IDEMPOTENCY_KEYS) request.headers = { ...request.headers, 'idempotency-key': randomUUID() };
              return request;
            },
          },
        ],
        setupClient,
        ...(rate !== null && !paced ? { overallRate: rate, ignoreCoordinatedOmission: true } : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = Float64Array.from(latencies).sort();
        const completed = latencies.length;
        const mean = completed ? sorted.reduce((sum, value) => sum + value, 0) / completed : NaN;
        const measuredSeconds = Math.max(0.001, (lastResponseAt - firstDue) / 1000);
        resolve({
          completed,
          sent,
          ok,
          non2xx: completed - ok,
          errors: result.errors,
          timeouts: result.timeouts,
          undrained: stopping ? 0 : inFlight,
          statusCodes,
          seconds: measuredSeconds,
          reqPerSec: ok / measuredSeconds,
          latencyMs: {
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: completed ? sorted[completed - 1] : NaN,
            mean,
          },
          late,
        });
      },
    );
  });
}
