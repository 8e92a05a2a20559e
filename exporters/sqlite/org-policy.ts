import { MIN_RETENTION_DAYS, RetentionPolicyError, type OrganizationPolicy } from '../agent-store.js';
import type { Database } from './driver.js';

export const DAY_US = 86_400_000_000;

/**
 * An organization's retention and public-activity settings. Organizations
 * that set no retention get the configured default; an unknown organization
 * reads as the defaults (its data, if any, is still swept by them).
 */
export function readPolicy(db: Database, organizationId: string, defaultRetentionDays: number): OrganizationPolicy {
  const row = db.prepare('SELECT retention_days, public_activity FROM organizations WHERE id = ?').get(organizationId) as
    | { retention_days: number | null; public_activity: number }
    | undefined;
  return {
    retention_days: row?.retention_days ?? defaultRetentionDays,
    public_activity: row ? row.public_activity === 1 : true,
  };
}

export function writePolicy(db: Database, organizationId: string, changes: Partial<OrganizationPolicy>, force: boolean): void {
  const days = changes.retention_days;
  if (days !== undefined) {
    if (!Number.isInteger(days) || days < 1) throw new RetentionPolicyError('retention must be a whole number of days, at least 1');
    if (days < MIN_RETENTION_DAYS && !force) {
      throw new RetentionPolicyError(
        `retention of ${days} days is below ${MIN_RETENTION_DAYS} days, the EU AI Act Article 19 minimum for such logs; force it only if these logs are not subject to it`,
      );
    }
  }
  const result = db
    .prepare('UPDATE organizations SET retention_days = coalesce(?, retention_days), public_activity = coalesce(?, public_activity) WHERE id = ?')
    .run(days ?? null, changes.public_activity === undefined ? null : changes.public_activity ? 1 : 0, organizationId);
  if (result.changes === 0) throw new RetentionPolicyError(`no organization ${organizationId}`);
}

/** expires_at of a record: its time plus its organization's retention (computed when read, see README "Retention"). */
export function expiresAtUs(timeUs: number, retentionDays: number): number {
  return timeUs + retentionDays * DAY_US;
}
