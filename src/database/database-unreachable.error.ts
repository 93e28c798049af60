/** What the operator reads when the network refused the connection; Node's own codes mean nothing to most of them. */
const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the server closed the connection',
};

/** The first connection to DATABASE_URL failed: one line naming where the gate tried to go (never the password) and why. */
export class DatabaseUnreachableError extends Error {
  constructor(databaseUrl: string, cause: unknown) {
    super(`cannot connect to the database at ${whereOf(databaseUrl)}: ${reasonOf(cause)}`, { cause });
  }
}

/** Runs the first connection; a failure becomes a DatabaseUnreachableError. */
export async function connectingTo<T>(databaseUrl: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new DatabaseUnreachableError(databaseUrl, error);
  }
}

function whereOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    // A Unix socket is named by a `host` parameter, not in the authority.
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `${host}:${url.port || '5432'}`;
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}

function reasonOf(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_REASONS[code]) return NETWORK_REASONS[code];
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}
