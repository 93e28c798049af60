import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { closeServer, lowerCaseHeaders, PendingDelays, readBody } from './loopback-http';

export interface FakeServiceNowServerOptions {
  username: string;
  password: string;
  oauthClient?: { clientId: string; clientSecret: string };
  /**
   * The REST user's time zone, used for display values of date-times. Deliberately not UTC by
   * default, as on real instances: only `value` is UTC, so an adapter reading display values breaks.
   */
  displayTimeZone?: string;
}

export interface FakeChangeInput {
  number: string;
  /** Database value, e.g. '-1' (Implement); see REFERENCE §8.2. */
  state: string;
  stateLabel?: string;
  approval: 'approved' | 'requested' | 'not requested' | 'rejected' | (string & {});
  startDate: Date;
  endDate: Date;
  affectedCis: { name: string }[];
  type?: 'normal' | 'standard' | 'emergency';
  shortDescription?: string;
}

export interface FakeChangeRequest extends Omit<FakeChangeInput, 'affectedCis'> {
  sysId: string;
  affectedCis: { name: string; sysId: string }[];
}

export interface RecordedServiceNowRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One-shot answer for the next Table API request. A 2xx only delays the normal answer, unless it replaces the body
 * (`rawBody`, e.g. an HTML login page a proxy answers with) or sends half the normal answer and then stalls.
 */
export interface ScriptedServiceNowResponse {
  status: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  rawBody?: { contentType: string; text: string };
  stallMidBody?: boolean;
  /** Do the work (a PATCH's note is written), then answer this much later: a client that gives up or dies meanwhile. */
  delayAnswerMs?: number;
}

/** A work note as ServiceNow keeps it: a sys_journal_field row. */
export interface JournalEntry {
  elementId: string;
  value: string;
}

interface Field {
  value: string;
  display: string;
  referenceTable?: string;
  dateTime?: boolean;
  /** Dot-walked fields (`ci_item.name`) appear only when sysparm_fields names them. */
  dotWalked?: boolean;
}
type Row = Record<string, Field>;

const STATE_LABELS: Record<string, string> = {
  '-5': 'New',
  '-4': 'Assess',
  '-3': 'Authorize',
  '-2': 'Scheduled',
  '-1': 'Implement',
  '0': 'Review',
  '3': 'Closed',
  '4': 'Canceled',
};
const TABLE_ROUTE = /^\/api\/now\/(?:v[12]\/)?table\/([^/]+)(?:\/([^/]+))?$/;
const QUERY_TERM = /^([A-Za-z_][\w.]*?)(!=|=|LIKE)(.*)$/;
const ERRORS: Record<number, [message: string, detail: string | null]> = {
  400: ['Invalid request', null],
  401: ['User Not Authenticated', 'Required to provide Auth information'],
  403: ['Operation Failed', 'ACL restricts the record retrieval'],
  404: ['No Record found', "Record doesn't exist or ACL restricts the record retrieval"],
  500: ['Internal Server Error', null],
  503: ['Service Unavailable', null],
};

export class FakeServiceNowServer {
  readonly requests: RecordedServiceNowRequest[] = [];
  private readonly tables: Record<string, Row[]> = { change_request: [], task_ci: [], sys_journal_field: [] };
  private readonly ciSysIds = new Map<string, string>();
  private readonly accessTokens = new Set<string>();
  private readonly scripted: ScriptedServiceNowResponse[] = [];
  private readonly delays = new PendingDelays();

  private constructor(
    private readonly server: Server,
    private readonly options: FakeServiceNowServerOptions,
  ) {}

  static async start(options: FakeServiceNowServerOptions): Promise<FakeServiceNowServer> {
    const server = createServer();
    const fake = new FakeServiceNowServer(server, options);
    server.on('request', (req, res) => void fake.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get instanceUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addChange(input: FakeChangeInput): FakeChangeRequest {
    const change: FakeChangeRequest = {
      ...input,
      type: input.type ?? 'normal',
      stateLabel: input.stateLabel ?? STATE_LABELS[input.state] ?? input.state,
      sysId: newSysId(),
      affectedCis: input.affectedCis.map(({ name }) => ({ name, sysId: this.ciSysId(name) })),
    };
    this.tables.change_request.push(this.changeRow(change));
    for (const ci of change.affectedCis) {
      this.tables.task_ci.push({
        sys_id: plain(newSysId()),
        task: { value: change.sysId, display: change.number, referenceTable: 'change_request' },
        ci_item: { value: ci.sysId, display: ci.name, referenceTable: 'cmdb_ci' },
        'ci_item.name': { value: ci.name, display: ci.name, dotWalked: true },
        'task.number': { value: change.number, display: change.number, dotWalked: true },
      });
    }
    return change;
  }

  respondNext(response: ScriptedServiceNowResponse): void {
    this.scripted.push(response);
  }

  /** Makes every issued OAuth token invalid, as if it had expired. */
  /** The work notes written on a change, oldest first. */
  workNotes(changeSysId: string): string[] {
    return this.tables.sys_journal_field
      .filter((row) => row.element_id.value === changeSysId && row.element.value === 'work_notes')
      .map((row) => row.value.value);
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  reset(): void {
    this.requests.length = 0;
    this.scripted.length = 0;
  }

  async close(): Promise<void> {
    this.delays.cancelAll();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.instanceUrl);
    const query = Object.fromEntries(url.searchParams);
    const headers = lowerCaseHeaders(req);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, headers, body });

    if (req.method === 'POST' && url.pathname === '/oauth_token.do') return this.issueToken(res, body);
    if (!this.isAuthenticated(headers.authorization ?? '')) {
      return sendError(res, 401, { 'WWW-Authenticate': 'BASIC realm="Service-now"' });
    }
    const route = TABLE_ROUTE.exec(url.pathname);
    if (!route)
      return sendError(res, 400, {}, [`Requested URI does not represent any resource: ${url.pathname}`, null]);

    const scripted = this.scripted.shift();
    if (scripted?.delayMs) await this.delays.sleep(scripted.delayMs);
    if (scripted && scripted.status >= 400) return this.sendScripted(res, scripted);
    if (scripted?.rawBody) {
      res.writeHead(scripted.status, { 'Content-Type': scripted.rawBody.contentType });
      return void res.end(scripted.rawBody.text);
    }
    if (scripted?.stallMidBody) return this.stallMidBody(res);

    const [, table, sysId] = route;
    const rows = ownEntry(this.tables, table);
    if (!rows) return sendError(res, 400, {}, [`Invalid table ${table}`, null]);
    if (req.method === 'PATCH' && sysId) return this.patch(res, table, sysId, body, headers, scripted);
    if (req.method !== 'GET') return sendError(res, 405, {}, ['Method not supported by this fake', null]);
    if (sysId) {
      const row = rows.find((candidate) => candidate.sys_id.value === sysId);
      return row ? sendJson(res, 200, { result: this.render(row, query) }) : sendError(res, 404);
    }
    const matching = rows.filter(matches(query.sysparm_query ?? ''));
    const offset = Number(query.sysparm_offset ?? 0);
    const limit = Number(query.sysparm_limit ?? 10000);
    const page = matching.slice(offset, offset + limit).map((row) => this.render(row, query));
    sendJson(res, 200, { result: page }, { 'X-Total-Count': String(matching.length) });
  }

  /** A PATCH of work_notes adds a journal entry, as ServiceNow does; the field itself reads back empty. */
  private async patch(
    res: ServerResponse,
    table: string,
    sysId: string,
    body: string,
    headers: Record<string, string>,
    scripted?: ScriptedServiceNowResponse,
  ): Promise<void> {
    const row = ownEntry(this.tables, table)?.find((candidate) => candidate.sys_id.value === sysId);
    if (!row) return sendError(res, 404);
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return sendError(res, 400);
    }
    if (typeof fields.work_notes === 'string' && fields.work_notes !== '') {
      this.tables.sys_journal_field.push({
        sys_id: plain(newSysId()),
        element: plain('work_notes'),
        element_id: plain(sysId),
        name: plain(table),
        value: plain(fields.work_notes),
      });
    }
    if (scripted?.delayAnswerMs) await this.delays.sleep(scripted.delayAnswerMs);
    if (res.destroyed) return;
    if (headers['x-no-response-body'] === 'true') return void res.writeHead(200).end();
    sendJson(res, 200, { result: this.render(row, {}) });
  }

  private issueToken(res: ServerResponse, body: string): void {
    const form = Object.fromEntries(new URLSearchParams(body));
    const client = this.options.oauthClient;
    const granted =
      client &&
      form.grant_type === 'client_credentials' &&
      form.client_id === client.clientId &&
      form.client_secret === client.clientSecret;
    if (!granted) return sendJson(res, 401, { error_description: 'access_denied', error: 'server_error' });
    const accessToken = randomBytes(48).toString('base64url');
    this.accessTokens.add(accessToken);
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 1799, scope: '' });
  }

  private isAuthenticated(authorization: string): boolean {
    const [scheme, credentials = ''] = authorization.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return this.accessTokens.has(credentials);
    if (scheme?.toLowerCase() !== 'basic') return false;
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return (
      separator > 0 &&
      decoded.slice(0, separator) === this.options.username &&
      decoded.slice(separator + 1) === this.options.password
    );
  }

  /** Headers and the first bytes of a JSON answer, then nothing until the client gives up or the fake closes. */
  private stallMidBody(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
    res.write('{"result":[{"sys_id":{"value":"');
  }

  private sendScripted(res: ServerResponse, scripted: ScriptedServiceNowResponse): void {
    const retryAfter = scripted.retryAfterSeconds;
    if (scripted.status !== 429) {
      return sendError(res, scripted.status, retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) });
    }
    const seconds = retryAfter ?? 1;
    sendJson(
      res,
      429,
      {
        error: { message: 'Rate limit exceeded', detail: 'Rate limit of 100 requests per hour for Table API exceeded' },
        status: 'failure',
      },
      {
        'Retry-After': String(seconds),
        'X-RateLimit-Limit': '100',
        'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + seconds),
        'X-RateLimit-Rule': 'b1f8c8a0db0d2010d7a1a1e4e2961900',
      },
    );
  }

  private changeRow(change: FakeChangeRequest): Row {
    const firstCi = change.affectedCis[0];
    const closed = change.state === '3' || change.state === '4';
    return {
      sys_id: plain(change.sysId),
      number: plain(change.number),
      short_description: plain(change.shortDescription ?? 'Unassign room resource account'),
      state: { value: change.state, display: change.stateLabel ?? change.state },
      approval: { value: change.approval, display: titleCase(change.approval) },
      type: { value: change.type ?? 'normal', display: titleCase(change.type ?? 'normal') },
      start_date: this.dateTime(change.startDate),
      end_date: this.dateTime(change.endDate),
      cmdb_ci: { value: firstCi?.sysId ?? '', display: firstCi?.name ?? '', referenceTable: 'cmdb_ci' },
      assignment_group: { value: '', display: '', referenceTable: 'sys_user_group' },
      active: plain(closed ? 'false' : 'true'),
      work_notes: plain(''),
      sys_class_name: { value: 'change_request', display: 'Change Request' },
      sys_created_on: this.dateTime(change.startDate),
      sys_updated_on: this.dateTime(change.startDate),
    };
  }

  private dateTime(date: Date): Field {
    const display = new Intl.DateTimeFormat('sv-SE', {
      timeZone: this.options.displayTimeZone ?? 'America/Los_Angeles',
      dateStyle: 'short',
      timeStyle: 'medium',
    }).format(date);
    return { value: date.toISOString().slice(0, 19).replace('T', ' '), display, dateTime: true };
  }

  private render(row: Row, query: Record<string, string>): Record<string, unknown> {
    const mode = query.sysparm_display_value ?? 'false';
    const withLinks = query.sysparm_exclude_reference_link !== 'true';
    const requested = query.sysparm_fields?.split(',').map((name) => name.trim());
    const names = requested ?? Object.keys(row).filter((name) => !row[name].dotWalked);
    const rendered: Record<string, unknown> = {};
    for (const name of names) {
      const field = ownEntry(row, name);
      if (field) rendered[name] = this.renderField(field, mode, withLinks);
    }
    return rendered;
  }

  private renderField(field: Field, mode: string, withLinks: boolean): unknown {
    const link =
      field.referenceTable && field.value && withLinks
        ? { link: `${this.instanceUrl}/api/now/table/${field.referenceTable}/${field.value}` }
        : undefined;
    if (mode === 'all') {
      const internal = field.dateTime ? { display_value_internal: field.display } : {};
      return { display_value: field.display, ...link, value: field.value, ...internal };
    }
    const shown = mode === 'true' ? field.display : field.value;
    if (!link) return shown;
    return mode === 'true' ? { display_value: shown, ...link } : { ...link, value: shown };
  }

  private ciSysId(name: string): string {
    const sysId = this.ciSysIds.get(name) ?? newSysId();
    this.ciSysIds.set(name, sysId);
    return sysId;
  }
}

/** Applies `field=value` and `field!=value` terms; like ServiceNow, silently ignores anything else. */
function matches(sysparmQuery: string): (row: Row) => boolean {
  const terms = sysparmQuery
    .split('^')
    .map((term) => QUERY_TERM.exec(term))
    .filter((term): term is RegExpExecArray => term !== null);
  return (row) =>
    terms.every(([, name, operator, value]) => {
      const field = ownEntry(row, name);
      if (!field) return true;
      if (operator === 'LIKE') return field.value.includes(value);
      return operator === '=' ? field.value === value : field.value !== value;
    });
}

// Names come from the query string, so `constructor` and friends must not resolve.
function ownEntry<T>(record: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function plain(value: string): Field {
  return { value, display: value };
}

function newSysId(): string {
  return randomBytes(16).toString('hex');
}

function titleCase(value: string): string {
  return value.replace(/\b\w/g, (letter) => letter.toUpperCase());
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  [message, detail] = ERRORS[status] ?? ['Error', null],
): void {
  if (!res.destroyed) sendJson(res, status, { error: { message, detail }, status: 'failure' }, headers);
}
