import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId, updatedAt } from './common'
import { organizations } from './organizations'
import { users } from './users'

/** Who did or viewed what, when. Rows are only ever inserted. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    organizationId: integer('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    actorUserId: integer('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    actorDeviceId: integer('actor_device_id'),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_org_created_idx').on(t.organizationId, t.createdAt)],
)

/** Member imports from Excel/CSV: the preview summary and what was applied. */
export const importJobs = pgTable(
  'import_jobs',
  {
    id: id(),
    organizationId: organizationId(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    filename: text('filename').notNull(),
    status: text('status', { enum: ['previewed', 'applied', 'failed'] }).notNull(),
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('import_jobs_org_idx').on(t.organizationId)],
)
