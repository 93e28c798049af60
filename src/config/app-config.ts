import { z } from 'zod';
import {
  checkObservability,
  observabilityConfig,
  observabilityEnvironment,
  type ObservabilityConfig,
} from './observability-settings';
import { allowancesInForce, checkProduction, type ProductionFacts } from './production-checks';
import { checkResilience, resilienceConfig, resilienceEnvironment, type ResilienceConfig } from './resilience-settings';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const tenantList = commaList.transform((tenants) => tenants.map((tenant) => tenant.toLowerCase()));

const optionalUrl = z.url().optional();

/** Every variable the service reads. Nothing outside src/config touches process.env. */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z.string().default('false'),
    OPENAPI_ENABLED: booleanFlag.optional(),

    DATABASE_URL: z.string().min(1).optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
    DATA_DIR: z.string().default('./.data'),
    ALLOW_EMBEDDED_DATABASE: booleanFlag.default(false),

    AUTH_ISSUER: optionalUrl,
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_JWKS_URI: optionalUrl,
    AUTH_ALLOWED_TENANTS: tenantList.optional(),
    AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),

    POLICY_FILE: z.string().default('config/policy.yaml'),

    TICKET_PROVIDER: z.enum(['servicenow', 'local']).optional(),
    TICKET_PATTERN: z.string().default('^CHG[0-9]{7,}$'),
    TICKET_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
    ALLOW_LOCAL_TICKETS: booleanFlag.default(false),
    LOCAL_TICKETS_SEPARATION_OF_DUTIES: booleanFlag.optional(),
    SERVICENOW_INSTANCE_URL: optionalUrl,
    SERVICENOW_USERNAME: z.string().min(1).optional(),
    SERVICENOW_PASSWORD: z.string().min(1).optional(),
    SERVICENOW_CLIENT_ID: z.string().min(1).optional(),
    SERVICENOW_CLIENT_SECRET: z.string().min(1).optional(),
    SERVICENOW_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    SERVICENOW_WORK_NOTES: booleanFlag.optional(),
    WORK_NOTES_MAX_TRIES: z.coerce.number().int().min(1).max(100).default(8),
    WORK_NOTES_INTERVAL_MS: z.coerce.number().int().min(50).default(2000),
    WORK_NOTES_RETRY_BASE_MS: z.coerce.number().int().min(10).default(5000),
    WORK_NOTES_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),

    GRAPH_MODE: z.enum(['live', 'simulated']).optional(),
    GRAPH_BASE_URL: z.url().default('https://graph.microsoft.com/beta'),
    GRAPH_SCOPE: z.string().optional(),
    GRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),

    AZURE_TENANT_ID: z.string().min(1).optional(),
    AZURE_CLIENT_ID: z.string().min(1).optional(),
    AZURE_CLIENT_SECRET: z.string().min(1).optional(),
    AZURE_CLIENT_CERTIFICATE_PATH: z.string().min(1).optional(),
    AZURE_CLIENT_CERTIFICATE_PASSWORD: z.string().min(1).optional(),
    AZURE_FEDERATED_TOKEN_FILE: z.string().min(1).optional(),
    AZURE_AUTHORITY_HOST: optionalUrl,
    AZURE_DISABLE_INSTANCE_DISCOVERY: booleanFlag.default(false),

    ...resilienceEnvironment,

    AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
    AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
    AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(1000),
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(2557),
    AUDIT_RETENTION_JOB: booleanFlag.default(false),
    AUDIT_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),

    ...observabilityEnvironment,
  })
  .superRefine((env, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    const production = env.NODE_ENV === 'production';
    const liveGraph = (env.GRAPH_MODE ?? (env.AZURE_TENANT_ID ? 'live' : 'simulated')) === 'live';

    if (env.AUTH_ISSUER && !env.AUTH_AUDIENCE) problem('AUTH_AUDIENCE', 'required when AUTH_ISSUER is set');
    if (env.AUTH_ISSUER && !env.AUTH_ALLOWED_TENANTS && !tenantOfIssuer(env.AUTH_ISSUER)) {
      problem(
        'AUTH_ALLOWED_TENANTS',
        'required when AUTH_ISSUER names no tenant id (the allowed tenants default to the issuer tenant)',
      );
    }
    const trustProxy = parseTrustProxy(env.TRUST_PROXY);
    if (typeof trustProxy === 'object' && !Array.isArray(trustProxy) && trustProxy !== null)
      problem('TRUST_PROXY', trustProxy.error);
    checkProduction(productionFacts(env), problem);
    checkResilience(env, problem);
    checkObservability(env, problem);
    if (production && !env.AUTH_ISSUER) {
      problem('AUTH_ISSUER', 'required in production (the development token issuer is refused)');
    }
    if (production && !liveGraph) problem('GRAPH_MODE', 'the simulated Graph tenant is refused in production');
    if (liveGraph && !env.AZURE_TENANT_ID) problem('AZURE_TENANT_ID', 'required for the live Graph');
    if (liveGraph && !env.AZURE_CLIENT_ID && !env.AZURE_FEDERATED_TOKEN_FILE) {
      problem('AZURE_CLIENT_ID', 'required for the live Graph (except for a system-assigned managed identity)');
    }
    if (serviceNowSelected(env)) {
      if (!env.SERVICENOW_INSTANCE_URL) problem('SERVICENOW_INSTANCE_URL', 'required for TICKET_PROVIDER=servicenow');
      const basic = env.SERVICENOW_USERNAME && env.SERVICENOW_PASSWORD;
      const oauth = env.SERVICENOW_CLIENT_ID && env.SERVICENOW_CLIENT_SECRET;
      if (!basic && !oauth) {
        problem('SERVICENOW_USERNAME', 'set SERVICENOW_USERNAME/PASSWORD or SERVICENOW_CLIENT_ID/CLIENT_SECRET');
      }
    }
    try {
      new RegExp(env.TICKET_PATTERN);
    } catch {
      problem('TICKET_PATTERN', 'is not a valid regular expression');
    }
    if (production && !env.AUDIT_SIGNING_KEY_FILE) {
      problem(
        'AUDIT_SIGNING_KEY_FILE',
        'required in production (an Ed25519 private key, PEM PKCS#8, that signs the audit checkpoints)',
      );
    }
  });

export type Environment = z.infer<typeof environmentSchema>;

export interface AppConfig extends ObservabilityConfig {
  production: boolean;
  host: string;
  port: number;
  logLevel: Environment['LOG_LEVEL'];
  trustProxy: TrustProxy;
  openApiEnabled: boolean;
  /** The ALLOW_* choices that relax a production refusal, logged at start-up. */
  allowances: string[];
  database: { url?: string; poolMax: number; dataDir: string; statementTimeoutMs: number; lockTimeoutMs: number };
  auth:
    | {
        mode: 'entra';
        issuer: string;
        audience: string;
        jwksUri?: string;
        allowedTenants: string[];
        clockSkewSeconds: number;
      }
    | { mode: 'development'; dataDir: string; clockSkewSeconds: number };
  policyFile: string;
  tickets: {
    pattern: RegExp;
    provider: 'servicenow' | 'local';
    cacheSeconds: number;
    /** A local ticket cannot be used by anyone who has written it. */
    separationOfDuties: boolean;
    /** Notes on the change about each forwarded attempt: sent to ServiceNow from an outbox, or written on a local ticket. */
    workNotes: { enabled: boolean; maxTries: number; intervalMs: number; retryBaseMs: number; leaseMs: number };
    serviceNow?: {
      instanceUrl: string;
      timeoutMs: number;
      credentials:
        | { kind: 'basic'; username: string; password: string }
        | { kind: 'oauth'; clientId: string; clientSecret: string };
    };
  };
  resilience: ResilienceConfig;
  graph: {
    mode: 'live' | 'simulated';
    baseUrl: string;
    scope: string;
    timeoutMs: number;
    credential: {
      tenantId?: string;
      clientId?: string;
      clientSecret?: string;
      certificatePath?: string;
      certificatePassword?: string;
      federatedTokenFile?: string;
      authorityHost?: string;
      disableInstanceDiscovery: boolean;
    };
  };
  audit: {
    /** Unset: zero-config mode keeps a generated key under dataDir (refused in production). */
    signingKeyFile?: string;
    dataDir: string;
    /** 0: the sealer only runs when triggered. */
    sealIntervalMs: number;
    checkpointEvery: number;
    checkpointIntervalMs: number;
    retention: { days: number; job: boolean; intervalMs: number };
  };
}

export class InvalidConfigurationError extends Error {}

export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const given = withoutEmptyValues(env);
  const parsed = environmentSchema.safeParse(given);
  if (!parsed.success) {
    const lines = everyIssue(given, parsed.error.issues).map(
      (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new InvalidConfigurationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return toAppConfig(parsed.data);
}

/**
 * Zod checks combinations (production, credentials) only once every value parses; so that one refusal names every
 * wrong variable, they are checked again with the unreadable values left out.
 */
function everyIssue(given: Record<string, string>, issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const unreadable = new Set(issues.filter((issue) => issue.code !== 'custom').map((issue) => issue.path[0]));
  if (unreadable.size === 0) return issues;
  const rest = Object.fromEntries(Object.entries(given).filter(([variable]) => !unreadable.has(variable)));
  const combinations = environmentSchema.safeParse(rest).error?.issues ?? [];
  return [...issues, ...combinations.filter((issue) => !unreadable.has(issue.path[0]))];
}

export function withoutEmptyValues(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}

function serviceNowSelected(env: Pick<Environment, 'TICKET_PROVIDER' | 'SERVICENOW_INSTANCE_URL'>): boolean {
  return env.TICKET_PROVIDER === 'servicenow' || (!env.TICKET_PROVIDER && !!env.SERVICENOW_INSTANCE_URL);
}

function productionFacts(env: Environment): ProductionFacts {
  return {
    production: env.NODE_ENV === 'production',
    databaseUrl: env.DATABASE_URL,
    localTickets: !serviceNowSelected(env),
    allowEmbeddedDatabase: env.ALLOW_EMBEDDED_DATABASE,
    allowLocalTickets: env.ALLOW_LOCAL_TICKETS,
    urls: {
      AUTH_ISSUER: env.AUTH_ISSUER,
      AUTH_JWKS_URI: env.AUTH_JWKS_URI,
      GRAPH_BASE_URL: env.GRAPH_BASE_URL,
      SERVICENOW_INSTANCE_URL: env.SERVICENOW_INSTANCE_URL,
      AZURE_AUTHORITY_HOST: env.AZURE_AUTHORITY_HOST,
    },
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant id in an Entra issuer URL (`https://login.microsoftonline.com/{tenant}/v2.0`), if it names one. */
function tenantOfIssuer(issuer: string): string | undefined {
  return new URL(issuer).pathname
    .split('/')
    .find((segment) => GUID.test(segment))
    ?.toLowerCase();
}

function toAppConfig(env: Environment): AppConfig {
  const production = env.NODE_ENV === 'production';
  return {
    production,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    trustProxy: parseTrustProxy(env.TRUST_PROXY) as TrustProxy,
    openApiEnabled: env.OPENAPI_ENABLED ?? !production,
    allowances: allowancesInForce(productionFacts(env)),
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      dataDir: env.DATA_DIR,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: env.DATABASE_LOCK_TIMEOUT_MS,
    },
    auth: env.AUTH_ISSUER
      ? {
          mode: 'entra',
          issuer: env.AUTH_ISSUER,
          audience: env.AUTH_AUDIENCE!,
          jwksUri: env.AUTH_JWKS_URI,
          allowedTenants: env.AUTH_ALLOWED_TENANTS ?? [tenantOfIssuer(env.AUTH_ISSUER)!],
          clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS,
        }
      : { mode: 'development', dataDir: env.DATA_DIR, clockSkewSeconds: env.AUTH_CLOCK_SKEW_SECONDS },
    policyFile: env.POLICY_FILE,
    resilience: resilienceConfig(env),
    ...observabilityConfig(env),
    tickets: {
      pattern: new RegExp(env.TICKET_PATTERN),
      provider: serviceNowSelected(env) ? 'servicenow' : 'local',
      cacheSeconds: env.TICKET_CACHE_SECONDS,
      separationOfDuties: env.LOCAL_TICKETS_SEPARATION_OF_DUTIES ?? production,
      workNotes: {
        enabled: env.SERVICENOW_WORK_NOTES ?? serviceNowSelected(env),
        maxTries: env.WORK_NOTES_MAX_TRIES,
        intervalMs: env.WORK_NOTES_INTERVAL_MS,
        retryBaseMs: env.WORK_NOTES_RETRY_BASE_MS,
        leaseMs: env.WORK_NOTES_LEASE_MS,
      },
      serviceNow: serviceNowSelected(env)
        ? {
            instanceUrl: env.SERVICENOW_INSTANCE_URL!.replace(/\/+$/, ''),
            timeoutMs: env.SERVICENOW_TIMEOUT_MS,
            credentials:
              env.SERVICENOW_CLIENT_ID && env.SERVICENOW_CLIENT_SECRET
                ? { kind: 'oauth', clientId: env.SERVICENOW_CLIENT_ID, clientSecret: env.SERVICENOW_CLIENT_SECRET }
                : { kind: 'basic', username: env.SERVICENOW_USERNAME!, password: env.SERVICENOW_PASSWORD! },
          }
        : undefined,
    },
    graph: {
      mode: env.GRAPH_MODE ?? (env.AZURE_TENANT_ID ? 'live' : 'simulated'),
      baseUrl: env.GRAPH_BASE_URL.replace(/\/+$/, ''),
      scope: env.GRAPH_SCOPE ?? `${new URL(env.GRAPH_BASE_URL).origin}/.default`,
      timeoutMs: env.GRAPH_TIMEOUT_MS,
      credential: {
        tenantId: env.AZURE_TENANT_ID,
        clientId: env.AZURE_CLIENT_ID,
        clientSecret: env.AZURE_CLIENT_SECRET,
        certificatePath: env.AZURE_CLIENT_CERTIFICATE_PATH,
        certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD,
        federatedTokenFile: env.AZURE_FEDERATED_TOKEN_FILE,
        authorityHost: env.AZURE_AUTHORITY_HOST,
        disableInstanceDiscovery: env.AZURE_DISABLE_INSTANCE_DISCOVERY,
      },
    },
    audit: {
      signingKeyFile: env.AUDIT_SIGNING_KEY_FILE,
      dataDir: env.DATA_DIR,
      sealIntervalMs: env.AUDIT_SEAL_INTERVAL_MS,
      checkpointEvery: env.AUDIT_CHECKPOINT_EVERY,
      checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_MS,
      retention: {
        days: env.AUDIT_RETENTION_DAYS,
        job: env.AUDIT_RETENTION_JOB,
        intervalMs: env.AUDIT_RETENTION_INTERVAL_MS,
      },
    },
  };
}
