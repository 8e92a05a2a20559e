import { checkRetentionDays, RetentionPolicyError, type OrganizationPolicy } from '../agent-store.js';
import type { Database } from './driver.js';

export { DAY_US, expiresAtUs } from '../agent-store.js';

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
  if (days !== undefined) checkRetentionDays(days, force);
  const result = db
    .prepare('UPDATE organizations SET retention_days = coalesce(?, retention_days), public_activity = coalesce(?, public_activity) WHERE id = ?')
    .run(days ?? null, changes.public_activity === undefined ? null : changes.public_activity ? 1 : 0, organizationId);
  if (result.changes === 0) throw new RetentionPolicyError(`no organization ${organizationId}`);
}
