// Messages for this area's error codes (dashMembers.errors.*), with what their details say; other codes fall back to
// the shared translations (src/api/errors.ts).
import { ApiError } from '~/api/client'
import { errorMessage } from '~/api/errors'
import { i18n } from '~/modules/i18n'

export function memberErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const details = (error.details ?? {}) as Record<string, unknown>
    let key = `dashMembers.errors.${error.code}`
    if (error.code === 'IN_USE') key += typeof details.departments === 'number' ? '_departments' : '_members'
    if (error.code === 'IMPORT_FILE_INVALID' && details.reason === 'xls') key = 'dashMembers.errors.IMPORT_FILE_XLS'
    if (i18n.global.te(key, 'en')) {
      const params = {
        n: details.members ?? details.departments ?? 0,
        found: Array.isArray(details.found) ? details.found.join(', ') : '',
      }
      return i18n.global.t(key, params)
    }
  }
  return errorMessage(error)
}
