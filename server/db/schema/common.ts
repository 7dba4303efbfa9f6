import { integer, timestamp } from 'drizzle-orm/pg-core'
import { organizations } from './organizations'

export const id = () => integer('id').primaryKey().generatedAlwaysAsIdentity()
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date())
/** Every tenant row carries its organization; deleting an organization deletes its rows. */
export const organizationId = () =>
  integer('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' })
