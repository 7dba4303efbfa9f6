import { and, eq, isNotNull } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { departments, locations, organizationMembers, organizations, workSchedules, type OrganizationSettings } from '../../db/schema'
import type { WorkSchedule } from '../../../shared/attendance/rules'
import { DEFAULT_ORGANIZATION_SETTINGS } from '../organizations/organizations.service'

export interface OrganizationRules {
  timezone: string
  settings: Required<OrganizationSettings>
  defaultSchedule: WorkSchedule
  locations: { id: number; latitude: number | null; longitude: number | null; radiusMeters: number }[]
}

const WEEKDAYS = [1, 2, 3, 4, 5]

/** What the attendance rules need to know about an organization, read once per sync batch. */
export async function organizationRules(tx: Tx, organizationId: number): Promise<OrganizationRules> {
  const [org] = await tx.select().from(organizations).where(eq(organizations.id, organizationId))
  if (!org) throw new Error(`organization ${organizationId} vanished`)
  const locs = await tx
    .select({ id: locations.id, latitude: locations.latitude, longitude: locations.longitude, radiusMeters: locations.radiusMeters })
    .from(locations)
    .where(eq(locations.organizationId, organizationId))
  return {
    timezone: org.timezone,
    settings: { ...DEFAULT_ORGANIZATION_SETTINGS, ...org.settings },
    defaultSchedule: { workDays: WEEKDAYS, startTime: org.workStartTime, endTime: org.workEndTime, lateToleranceMinutes: org.lateToleranceMinutes },
    locations: locs,
  }
}

/** The member's schedule: their department's when it has one, else the organization's. */
export async function memberSchedule(tx: Tx, organizationId: number, memberId: number, fallback: WorkSchedule): Promise<WorkSchedule> {
  const [row] = await tx
    .select({ workDays: workSchedules.workDays, startTime: workSchedules.startTime, endTime: workSchedules.endTime, tolerance: workSchedules.lateToleranceMinutes })
    .from(organizationMembers)
    .innerJoin(departments, eq(departments.id, organizationMembers.departmentId))
    .innerJoin(workSchedules, eq(workSchedules.id, departments.workScheduleId))
    .where(and(eq(organizationMembers.id, memberId), eq(organizationMembers.organizationId, organizationId), isNotNull(departments.workScheduleId)))
  if (!row) return fallback
  return { workDays: row.workDays, startTime: row.startTime, endTime: row.endTime, lateToleranceMinutes: row.tolerance }
}
