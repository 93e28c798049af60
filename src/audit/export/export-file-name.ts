import type { AuditFilters } from '../query/audit-filters';
import type { ExportFormat } from './attempt-export';

const compact = (instant: Date) =>
  instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** What and when: `autopilot-gate-attempts_20261101T000000Z-20261201T000000Z_exported-20261203T120000Z.csv`. */
export function exportFileName(
  filters: Pick<AuditFilters, 'from' | 'to'>,
  format: ExportFormat,
  exportedAt: Date,
): string {
  const range = `${filters.from ? compact(filters.from) : 'start'}-${filters.to ? compact(filters.to) : 'now'}`;
  return `autopilot-gate-attempts_${range}_exported-${compact(exportedAt)}.${format}`;
}
