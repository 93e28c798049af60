/** Who the gate believes the caller is, taken from a verified Entra ID access token. */
export interface Principal {
  kind: 'user' | 'app';
  oid: string;
  tenantId: string;
  /** preferred_username (v2) or upn (v1); for display only, never for decisions. */
  upn?: string;
  name?: string;
  /** The calling client application (azp in v2, appid in v1). */
  appId?: string;
  roles: string[];
}

/** A caller's identity across tenants: an oid is unique only within its tenant. */
export function principalKey(principal: Pick<Principal, 'tenantId' | 'oid'>): string {
  return `${principal.tenantId}/${principal.oid}`;
}
