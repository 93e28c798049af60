/** DI token of the AuditSigningKey loaded at start-up (audit.providers.ts). */
export const AUDIT_SIGNING_KEY = Symbol('AUDIT_SIGNING_KEY');
