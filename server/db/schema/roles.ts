import { boolean, index, integer, pgTable, primaryKey, text, unique } from 'drizzle-orm/pg-core'
import { createdAt, id, updatedAt } from './common'
import { organizations } from './organizations'

/** System roles have no organization (shared by all); custom roles belong to one organization. */
export const roles = pgTable(
  'roles',
  {
    id: id(),
    organizationId: integer('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    surface: text('surface', { enum: ['web', 'mobile'] }).notNull(),
    isSystem: boolean('is_system').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // System roles have a NULL organization: NULLS NOT DISTINCT keeps their keys unique too.
    unique('roles_org_key_unique').on(t.organizationId, t.key).nullsNotDistinct(),
    index('roles_organization_idx').on(t.organizationId),
  ],
)

export const rolePermissions = pgTable(
  'role_permissions',
  {
    roleId: integer('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permission] })],
)
