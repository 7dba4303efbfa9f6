import { boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, time, timestamp, uniqueIndex, doublePrecision, smallint } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import type { DayHoursJson } from '../../../shared/attendance/rules'
import { createdAt, id, organizationId, updatedAt } from './common'
import { users } from './users'
import { roles } from './roles'

export const workSchedules = pgTable(
  'work_schedules',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    /** ISO weekdays that are working days, 1 = Monday ... 7 = Sunday. */
    workDays: smallint('work_days').array().notNull().default(sql`'{1,2,3,4,5}'::smallint[]`),
    startTime: time('start_time').notNull(),
    endTime: time('end_time').notNull(),
    lateToleranceMinutes: integer('late_tolerance_minutes').notNull().default(15),
    /** Working days whose hours differ from start/end: `{ "5": { "start_time": "07:00:00", "end_time": "11:00:00" } }`. */
    dayHours: jsonb('day_hours').$type<DayHoursJson>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('work_schedules_organization_idx').on(t.organizationId)],
)

export const departments = pgTable(
  'departments',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    code: text('code'),
    workScheduleId: integer('work_schedule_id').references(() => workSchedules.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('departments_org_name_unique').on(t.organizationId, sql`lower(${t.name})`)],
)

export const positions = pgTable(
  'positions',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('positions_org_name_unique').on(t.organizationId, sql`lower(${t.name})`)],
)

export const locations = pgTable(
  'locations',
  {
    id: id(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    radiusMeters: integer('radius_meters').notNull().default(100),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('locations_organization_idx').on(t.organizationId)],
)

/** A user's membership of one organization (spec table). Members and petugas sign in on mobile with a PIN. */
export const organizationMembers = pgTable(
  'organization_members',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: organizationId(),
    departmentId: integer('department_id').references(() => departments.id, { onDelete: 'set null' }),
    positionId: integer('position_id').references(() => positions.id, { onDelete: 'set null' }),
    memberNumber: text('member_number'),
    status: text('status', { enum: ['active', 'inactive'] }).notNull().default('active'),
    pinHash: text('pin_hash'),
    failedPins: integer('failed_pins').notNull().default(0),
    pinLockedUntil: timestamp('pin_locked_until', { withTimezone: true }),
    /** The person's last sign-in to THIS organization (entering it on the dashboard, or a PIN/face sign-in). */
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    /**
     * The organization created the person's account, so it may edit their name, email and phone. False when they
     * joined with an account of their own (an accepted invitation): then only they change those.
     */
    managesAccount: boolean('manages_account').notNull().default(true),
    /**
     * The first day the member is expected (null: the day they were added, or the next day when they were added after
     * that day's start of work) and the last (null: open). Nobody is absent outside them.
     */
    startDate: date('start_date'),
    endDate: date('end_date'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('organization_members_org_user_unique').on(t.organizationId, t.userId),
    uniqueIndex('organization_members_org_number_unique').on(t.organizationId, t.memberNumber),
    index('organization_members_user_idx').on(t.userId),
    index('organization_members_department_idx').on(t.organizationId, t.departmentId),
    check('organization_members_dates', sql`${t.endDate} is null or ${t.startDate} is null or ${t.endDate} >= ${t.startDate}`),
  ],
)

/** The roles a membership holds; a user may hold several in one organization and choose one at sign-in. */
export const memberRoles = pgTable(
  'member_roles',
  {
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    roleId: integer('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    organizationId: organizationId(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationMemberId, t.roleId] }),
    index('member_roles_organization_idx').on(t.organizationId),
  ],
)

/** One-time codes an admin hands to a member to set their PIN on the phone. Only the hash is stored. */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    organizationId: organizationId(),
    organizationMemberId: integer('organization_member_id')
      .notNull()
      .references(() => organizationMembers.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_organization_idx').on(t.organizationId, t.organizationMemberId)],
)

/**
 * An organization's invitation to a person who already has a Hadir account (made in another organization): they
 * become a member or staff only when they accept it, signed in with their own credentials. Until then the
 * organization sees only what its admin typed (name, email), never the account's own details.
 */
export const membershipInvitations = pgTable(
  'membership_invitations',
  {
    id: id(),
    organizationId: organizationId(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['staff', 'member'] }).notNull(),
    roleId: integer('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    /** As the admin typed them. */
    name: text('name').notNull(),
    email: text('email').notNull(),
    memberNumber: text('member_number'),
    departmentId: integer('department_id').references(() => departments.id, { onDelete: 'set null' }),
    positionId: integer('position_id').references(() => positions.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['pending', 'accepted', 'declined'] }).notNull().default('pending'),
    /** The membership made (or given the role) on acceptance. */
    organizationMemberId: integer('organization_member_id').references(() => organizationMembers.id, { onDelete: 'set null' }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('membership_invitations_pending_unique').on(t.organizationId, t.userId, t.kind).where(sql`${t.status} = 'pending'`),
    index('membership_invitations_user_idx').on(t.userId),
  ],
)
