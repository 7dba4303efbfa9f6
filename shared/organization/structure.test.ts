import { describe, expect, it } from 'vitest'
import { issueDetails } from '../validation'
import { departmentPatch, locationInput, locationPatch, missingCoordinate, RADIUS_RANGE, scheduleInput, schedulePatch } from './structure'

const refused = (result: { success: boolean; error?: { issues: Parameters<typeof issueDetails>[0] } }) =>
  result.error ? issueDetails(result.error.issues).map((i) => `${i.path}:${i.code}`) : []

describe('organization structure schemas', () => {
  it('a schedule: defaults, times answered with seconds, and its limits', () => {
    expect(scheduleInput.parse({ name: ' Pagi ', start_time: '07:00', end_time: '15:00' })).toEqual({
      name: 'Pagi',
      work_days: [1, 2, 3, 4, 5],
      start_time: '07:00:00',
      end_time: '15:00:00',
      late_tolerance_minutes: 15,
      day_hours: {},
    })
    expect(refused(scheduleInput.safeParse({ name: ' ', work_days: [], start_time: '24:00', end_time: '8', late_tolerance_minutes: 241 }))).toEqual([
      'name:too_small',
      'work_days:too_small',
      'start_time:invalid_format',
      'end_time:invalid_format',
      'late_tolerance_minutes:too_big',
    ])
    expect(refused(scheduleInput.safeParse({ name: 'x', work_days: [0, 8], start_time: '08:00', end_time: '16:00', late_tolerance_minutes: null }))).toEqual([
      'work_days.0:too_small',
      'work_days.1:too_big',
      'late_tolerance_minutes:invalid_type',
    ])
    expect(schedulePatch.safeParse({ other: 1 }).success).toBe(false)
  })

  it('a schedule’s own hours of a weekday: a working day by its ISO number, a start before the end, times with seconds', () => {
    const base = { name: 'Sekolah', start_time: '07:00', end_time: '15:00' }
    expect(scheduleInput.parse({ ...base, day_hours: { 5: { start_time: '07:00', end_time: '11:00' } } }).day_hours).toEqual({ 5: { start_time: '07:00:00', end_time: '11:00:00' } })
    expect(refused(scheduleInput.safeParse({ ...base, day_hours: { 5: { start_time: '11:00', end_time: '11:00' }, 6: { start_time: '7', end_time: '12:00' } } }))).toEqual([
      'day_hours.5.end_time:custom',
      'day_hours.6.start_time:invalid_format',
    ])
    expect(refused(scheduleInput.safeParse({ ...base, day_hours: { 0: { start_time: '07:00', end_time: '11:00' } } }))).toEqual(['day_hours:unrecognized_keys'])
    expect(refused(scheduleInput.safeParse({ ...base, day_hours: { 5: { start_time: '07:00', end_time: '11:00', break: 30 } } }))).toEqual(['day_hours.5:unrecognized_keys'])
    // A change carries only what it changes: a new name alone leaves the days, the tolerance and the day hours be.
    expect(schedulePatch.parse({ name: 'Sekolah' })).toEqual({ name: 'Sekolah' })
    expect(locationPatch.parse({ name: 'Gerbang' })).toEqual({ name: 'Gerbang' })
  })

  it('a location: coordinates in range or absent, a radius within the fence limits', () => {
    expect(locationInput.parse({ name: 'Gerbang' })).toEqual({ name: 'Gerbang', radius_meters: 100 })
    expect(locationInput.safeParse({ name: 'Gerbang', latitude: -6.2, longitude: 106.8, radius_meters: RADIUS_RANGE.max }).success).toBe(true)
    expect(refused(locationInput.safeParse({ name: 'G', latitude: 91, longitude: Number.NaN, radius_meters: RADIUS_RANGE.min - 1 }))).toEqual([
      'latitude:too_big',
      'longitude:invalid_type',
      'radius_meters:too_small',
    ])
    expect(missingCoordinate({ latitude: null, longitude: null })).toBeNull()
    expect(missingCoordinate({ latitude: 1, longitude: 2 })).toBeNull()
    expect(missingCoordinate({ latitude: 1, longitude: null })).toBe('longitude')
    expect(missingCoordinate({ latitude: null, longitude: 2 })).toBe('latitude')
  })

  it('a department: a code of at most 30 characters, a schedule id or none', () => {
    expect(refused(departmentPatch.safeParse({ code: 'x'.repeat(31), work_schedule_id: 0 }))).toEqual(['code:too_big', 'work_schedule_id:too_small'])
    expect(departmentPatch.parse({ code: null, work_schedule_id: null })).toEqual({ code: null, work_schedule_id: null })
  })
})
