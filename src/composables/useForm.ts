import { computed, ref } from 'vue'
import { errorMessage, type FieldIssue, fieldIssues, issueMessage } from '~/api/errors'

/**
 * A form's submit state: busy flag, field errors (from the server's 422 or the view's own checks) and one general
 * error. Messages are translated when read, so switching language re-translates what is on screen.
 */
export function useForm() {
  const busy = ref(false)
  const issues = ref<Record<string, FieldIssue>>({})
  const failure = ref<unknown>(null)

  const generalError = computed(() => (failure.value === null ? null : errorMessage(failure.value)))

  function fieldError(path: string): string | undefined {
    return issueMessage(issues.value[path])
  }

  function setIssue(path: string, key: string, params?: Record<string, unknown>): void {
    issues.value = { ...issues.value, [path]: { key, params } }
  }

  function reset(): void {
    issues.value = {}
    failure.value = null
  }

  /**
   * Clears old errors, runs the view's own checks (which call setIssue), then the action. Returns the action's result,
   * or undefined when a check or the action failed (the errors are then on screen).
   */
  async function submit<T>(action: () => Promise<T>, validate?: () => void): Promise<T | undefined> {
    if (busy.value) return undefined
    reset()
    validate?.()
    if (Object.keys(issues.value).length > 0) return undefined
    busy.value = true
    try {
      return await action()
    } catch (error) {
      issues.value = fieldIssues(error)
      failure.value = error
      return undefined
    } finally {
      busy.value = false
    }
  }

  const hasIssues = computed(() => Object.keys(issues.value).length > 0)

  return { busy, issues, hasIssues, failure, generalError, fieldError, setIssue, reset, submit }
}
