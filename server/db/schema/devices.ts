import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId, updatedAt } from './common'
import { locations } from './members'
import { users } from './users'

/** A petugas tablet enrolled with a one-time code; its token binds it to one organization. Only hashes are stored. */
export const devices = pgTable(
  'devices',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    enrolCodeHash: text('enrol_code_hash').unique(),
    enrolExpiresAt: timestamp('enrol_expires_at', { withTimezone: true }),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }),
    tokenHash: text('token_hash').unique(),
    locationId: integer('location_id').references(() => locations.id, { onDelete: 'set null' }),
    userAgent: text('user_agent'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('devices_organization_idx').on(t.organizationId)],
)
