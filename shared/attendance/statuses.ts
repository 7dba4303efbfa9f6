// The states of an attendance record, one list for the database, the API's schemas and the PWA's filters and badges.

/** What the day was: present (on time), late, absent, excused (approved leave). */
export const ATTENDANCE_STATUSES = ['present', 'late', 'absent', 'excused'] as const
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number]

/** verifying: the server is still checking the captures' images; pending: a person decides; then approved or rejected. */
export const APPROVAL_STATUSES = ['verifying', 'pending', 'approved', 'rejected'] as const
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number]

/** Where a record came from: a phone or kiosk (mobile), the website, or an admin's manual entry. */
export const ATTENDANCE_SOURCES = ['mobile', 'website', 'manual'] as const
export type AttendanceSource = (typeof ATTENDANCE_SOURCES)[number]
