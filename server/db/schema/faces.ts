import { boolean, customType, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { createdAt, id, organizationId, updatedAt } from './common'
import { organizationMembers } from './members'
import { users } from './users'

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
})

/** Face descriptors (Float32 bytes, FACE_DESCRIPTOR_LENGTH x 4) of a member; several rows per member. Sensitive biometric data. */
export const memberFaceData = pgTable(
  'member_face_data',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    faceEncoding: bytea('face_encoding').notNull(),
    /**
     * The recognition model the descriptor comes from (shared/face/model.ts FACE_MODEL.id). Only the current model's
     * rows are ever matched; rows of an earlier model are re-derived from the stored photo (server/face/migrate.ts).
     */
    model: text('model').notNull(),
    /**
     * Where the template comes from: 'registration' (the member's registration, or an admin's re-derivation of it), or
     * 'checkin': learned from a check-in the server verified itself at the highest level (issue 14: templates follow
     * ageing and lighting). Learned ones are few and rolling (server/face/learn.ts); registration ones are never replaced.
     */
    source: text('source', { enum: ['registration', 'checkin'] }).notNull().default('registration'),
    faceImageUrl: text('face_image_url'),
    faceRegisteredAt: timestamp('face_registered_at', { withTimezone: true }).notNull().defaultNow(),
    faceVerified: boolean('face_verified').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('member_face_data_member_idx').on(t.organizationId, t.organizationMemberId)],
)

/** Explicit, versioned consent to biometric processing (UU PDP No. 27/2022), kept after withdrawal as evidence. */
export const consents = pgTable(
  'consents',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    version: text('version').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
    deviceId: text('device_id'),
    userAgent: text('user_agent'),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawnBy: integer('withdrawn_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('consents_member_idx').on(t.organizationId, t.organizationMemberId)],
)
