import { PLACEHOLDER_ATTRIBUTES, type PlaceholderAttribute } from './policy-vocabulary';

const PLACEHOLDER = /\$\{user\.([A-Za-z]+)\}/g;

export type CallerAttributes = Partial<Record<PlaceholderAttribute, string>>;

/**
 * Replaces `${user.oid}`-style placeholders in rule conditions. Returns undefined when the caller lacks an
 * attribute the rule needs (an app has no upn): such a rule grants nothing rather than matching on a blank.
 */
export function interpolateConditions(conditions: unknown, caller: CallerAttributes): unknown {
  let missing = false;
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(PLACEHOLDER, (_, name: string) => {
        const attribute = Object.hasOwn(caller, name) ? caller[name as PlaceholderAttribute] : undefined;
        if (attribute === undefined) missing = true;
        return attribute ?? '';
      });
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    }
    return value;
  };
  const result = walk(conditions);
  return missing ? undefined : result;
}

export function placeholdersIn(conditions: unknown): string[] {
  return [...JSON.stringify(conditions ?? {}).matchAll(PLACEHOLDER)].map((match) => match[1]);
}

export function unknownPlaceholders(conditions: unknown): string[] {
  return placeholdersIn(conditions).filter((name) => !(PLACEHOLDER_ATTRIBUTES as readonly string[]).includes(name));
}
