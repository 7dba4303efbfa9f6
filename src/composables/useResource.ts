import { computed, ref, shallowRef } from 'vue'
import { errorMessage } from '~/api/errors'

/** Loads something for a view and keeps the three states a screen must design for: loading, error, data. */
export function useResource<T>(loader: () => Promise<T>, options: { immediate?: boolean } = {}) {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const failure = ref<unknown>(null)
  const error = computed(() => (failure.value === null ? null : errorMessage(failure.value)))

  let generation = 0
  async function reload(): Promise<void> {
    const mine = ++generation
    loading.value = true
    failure.value = null
    try {
      const value = await loader()
      if (mine === generation) data.value = value
    } catch (caught) {
      if (mine === generation) failure.value = caught
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  if (options.immediate !== false) void reload()
  return { data, loading, error, failure, reload }
}
