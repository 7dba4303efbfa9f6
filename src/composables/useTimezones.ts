/** Indonesia's three zones first (WIB, WITA, WIT), then every zone the browser knows. */
export const INDONESIAN_TIMEZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'] as const

export { DEFAULT_TIMEZONE } from '@shared/organization/profile'

let others: string[] | null = null

export function otherTimezones(): string[] {
  if (others) return others
  let all: string[] = []
  try {
    all = Intl.supportedValuesOf('timeZone')
  } catch {
    all = ['UTC']
  }
  const indonesian = new Set<string>(INDONESIAN_TIMEZONES)
  others = all.filter((zone) => !indonesian.has(zone))
  if (!others.includes('UTC')) others.push('UTC')
  return others
}
