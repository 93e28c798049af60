import { subject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import type { AppAbility, PolicySubject } from './policy-vocabulary';

/**
 * What a `read` answers: `shown` without the fields the reader's rules leave out (a rule without `fields` allows all).
 * The rules' conditions are judged on `judged`, the object as stored, which `shown` may already have redacted.
 */
export function readableFields<T extends object>(
  ability: AppAbility,
  subjectType: PolicySubject,
  judged: T,
  allFields: readonly string[],
  shown: T = judged,
): Partial<T> {
  const permitted = permittedFieldsOf(ability, 'read', subject(subjectType, { ...judged }), {
    fieldsFrom: (rule) => rule.fields ?? [...allFields],
  });
  return Object.fromEntries(
    permitted.filter((field) => Object.hasOwn(shown, field)).map((field) => [field, shown[field as keyof T]]),
  ) as Partial<T>;
}
