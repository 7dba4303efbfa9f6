/**
 * Every flag the capture rules can put on a record (docs/api.md, "Attendance capture"): one list for the server's
 * filter schema, the dashboard's filters and badges, and the member's history.
 */
export const ATTENDANCE_FLAGS = [
  'late',
  'left_early',
  'auto_closed',
  'missing_check_in',
  'clock_skew',
  'outside_geofence',
  'face_not_verified',
  'low_match_margin',
  // Issue 14: a kiosk capture of a member whose face is close to another member's, without their QR code.
  'confusable_member',
  // Issue 14: recorded from a roll-call photo (a group photo proves faces, not liveness: a person reviews the day).
  'roll_call',
  'no_face',
  'photo_mismatch',
  // Evidence (issue 13): what the server's own checks of a capture found.
  'no_evidence',
  'liveness_failed',
  'different_people',
  'challenge_reused',
  'offline_evidence',
  'no_location',
  'location_inaccurate',
  'stale_capture',
  'out_of_order',
  'earlier_capture',
] as const

export type AttendanceFlag = (typeof ATTENDANCE_FLAGS)[number]
