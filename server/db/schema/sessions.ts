import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { createdAt, id } from './common'
import { users } from './users'
import { organizations } from './organizations'
import { organizationMembers } from './members'
import { roles } from './roles'
import { devices } from './devices'

/**
 * A signed-in person. `web` sessions start without an organization and get one (and a role) at selection;
 * `mobile` sessions are bound to one membership and role from the start, and a petugas's to one device.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    tokenHash: text('token_hash').notNull().unique(),
    kind: text('kind', { enum: ['web', 'mobile'] }).notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: integer('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    organizationMemberId: integer('organization_member_id').references(() => organizationMembers.id, {
      onDelete: 'cascade',
    }),
    roleId: integer('role_id').references(() => roles.id, { onDelete: 'cascade' }),
    deviceId: integer('device_id').references(() => devices.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_organization_idx').on(t.organizationId)],
)
