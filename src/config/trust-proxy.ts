import { isIP } from 'node:net';

/** What Fastify's trustProxy takes: a hop count, or the addresses and CIDRs of the proxies to trust. */
export type TrustProxy = false | number | string[];

/**
 * TRUST_PROXY: `false`, a hop count (`1` behind one ingress), or a comma list of proxy addresses/CIDRs.
 * `true` is refused: it trusts every hop, so a client's own X-Forwarded-For would name its address.
 */
export function parseTrustProxy(value: string): TrustProxy | { error: string } {
  const text = value.trim();
  if (text === 'false' || text === '0') return false;
  if (text === 'true')
    return { error: 'true would trust every hop; give the number of proxies (e.g. 1) or their CIDRs' };
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => !isAddressOrCidr(entry));
  if (entries.length === 0 || bad.length > 0)
    return { error: `not a hop count or a list of addresses/CIDRs: ${bad.join(', ') || text}` };
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
