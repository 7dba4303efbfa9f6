import { computed, ref } from 'vue'
import type { z } from 'zod'
import { errorMessage, type FieldIssue, fieldIssues, issueMessage, schemaIssues } from '~/api/errors'

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

  /**
   * Checks a value with the server's own schema (shared/): each refused field gets the message the server's 422 would
   * give it, or the form's own key for that field in `messages`; a field that already has a message keeps it.
   * Returns the parsed value, or undefined when something was refused.
   */
  function check<S extends z.ZodType>(schema: S, value: unknown, messages: Record<string, string> = {}): z.output<S> | undefined {
    const result = schema.safeParse(value)
    if (result.success) return result.data
    const found = schemaIssues(result.error)
    for (const path of Object.keys(found)) {
      if (messages[path]) found[path] = { key: messages[path] }
    }
    issues.value = { ...found, ...issues.value }
    return undefined
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

  return { busy, issues, hasIssues, failure, generalError, fieldError, setIssue, check, reset, submit }
}
