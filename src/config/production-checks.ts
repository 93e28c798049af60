/** Environment values the production checks read, already parsed. */
export interface ProductionFacts {
  production: boolean;
  databaseUrl?: string;
  localTickets: boolean;
  allowEmbeddedDatabase: boolean;
  allowLocalTickets: boolean;
  urls: Record<string, string | undefined>;
}

type Problem = (variable: string, message: string) => void;

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Loopback stays allowed over plain http, as browsers allow it, so local fakes and sidecars work. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

/**
 * What production refuses: the embedded database (one process, under /tmp in the image), the gate's own tickets
 * (a caller could write and use their own ticket) unless explicitly allowed, and any plain-http peer that is not
 * on this host. Every refusal names its variable.
 */
export function checkProduction(facts: ProductionFacts, problem: Problem): void {
  if (!facts.production) return;
  if (!facts.databaseUrl && !facts.allowEmbeddedDatabase) {
    problem(
      'DATABASE_URL',
      'required in production (the embedded PGlite database is refused unless ALLOW_EMBEDDED_DATABASE=true)',
    );
  }
  if (facts.localTickets && !facts.allowLocalTickets) {
    problem(
      'TICKET_PROVIDER',
      'local change tickets are refused in production unless ALLOW_LOCAL_TICKETS=true; use servicenow',
    );
  }
  for (const [variable, value] of Object.entries(facts.urls)) {
    if (!value) continue;
    const url = new URL(value);
    if (url.protocol === 'http:' && !isLoopback(url))
      problem(variable, `must use https in production (plain http is allowed on loopback only): ${url.host}`);
  }
}

/** The ALLOW_* choices in force, each logged as a warning at start-up. */
export function allowancesInForce(facts: ProductionFacts): string[] {
  if (!facts.production) return [];
  const allowances: string[] = [];
  if (!facts.databaseUrl && facts.allowEmbeddedDatabase)
    allowances.push('ALLOW_EMBEDDED_DATABASE: the embedded PGlite database runs in production');
  if (facts.localTickets && facts.allowLocalTickets)
    allowances.push('ALLOW_LOCAL_TICKETS: change tickets are kept by the gate itself in production');
  return allowances;
}
