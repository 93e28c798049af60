import {
  environmentSchema,
  InvalidConfigurationError,
  loadAppConfig,
  withoutEmptyValues,
  type AppConfig,
} from './app-config';

export type ConfigurationSource = 'environment' | 'default' | 'derived' | 'unset';

export interface ConfigurationEntry {
  variable: string;
  /** As the gate uses it, secrets masked; empty when unset. */
  value: string;
  source: ConfigurationSource;
}

export interface ConfigurationReport {
  entries: ConfigurationEntry[];
  /** One line per wrong variable, as a refused start prints them; empty when the configuration is valid. */
  problems: string[];
}

const MASK = '********';
const SECRET_NAME = /PASSWORD|SECRET/;
const URL_SECRET_PARAMETERS = new Set(['password', 'sslpassword', 'sslkey']);

/** Defaults that depend on other variables, read from the parsed configuration. */
const DERIVED: Partial<Record<string, (config: AppConfig) => string | boolean | undefined>> = {
  OPENAPI_ENABLED: (config) => config.openApiEnabled,
  TICKET_PROVIDER: (config) => config.tickets.provider,
  LOCAL_TICKETS_SEPARATION_OF_DUTIES: (config) => config.tickets.separationOfDuties,
  GRAPH_MODE: (config) => config.graph.mode,
  GRAPH_SCOPE: (config) => config.graph.scope,
  AUTH_ALLOWED_TENANTS: (config) => (config.auth.mode === 'entra' ? config.auth.allowedTenants.join(',') : undefined),
};

/** Every variable the gate reads: its value or default and where it came from, secrets masked. Touches nothing. */
export function describeConfiguration(env: Record<string, string | undefined>): ConfigurationReport {
  const given = withoutEmptyValues(env);
  let config: AppConfig | undefined;
  let problems: string[] = [];
  try {
    config = loadAppConfig(env);
  } catch (error) {
    if (!(error instanceof InvalidConfigurationError)) throw error;
    problems = error.message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  const entries = Object.entries(environmentSchema.shape).map(([variable, schema]): ConfigurationEntry => {
    if (variable in given) return { variable, value: masked(variable, given[variable]), source: 'environment' };
    const derived = config && DERIVED[variable]?.(config);
    if (derived !== undefined) return { variable, value: String(derived), source: 'derived' };
    const fallback = schema.safeParse(undefined);
    if (fallback.success && fallback.data !== undefined)
      return { variable, value: String(fallback.data), source: 'default' };
    return { variable, value: '', source: 'unset' };
  });
  return { entries, problems };
}

export function renderConfigurationReport({ entries }: ConfigurationReport): string {
  const rows = [{ variable: 'VARIABLE', value: 'VALUE', source: 'SOURCE' }, ...entries];
  const width = Math.max(...rows.map((row) => row.variable.length));
  const valueWidth = Math.min(60, Math.max(...rows.map((row) => row.value.length)));
  return `${rows.map(({ variable, value, source }) => `${variable.padEnd(width)}  ${(value || '-').padEnd(valueWidth)}  ${source}`).join('\n')}\n`;
}

/** Passwords and secrets are masked whole; a URL keeps everything but its password (DATABASE_URL). */
function masked(variable: string, value: string): string {
  if (SECRET_NAME.test(variable)) return MASK;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password) url.password = MASK;
    for (const name of [...url.searchParams.keys()])
      if (URL_SECRET_PARAMETERS.has(name.toLowerCase())) url.searchParams.set(name, MASK);
    return url.toString();
  } catch {
    return MASK;
  }
}
