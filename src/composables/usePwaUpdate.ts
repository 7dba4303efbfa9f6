import { readonly, ref } from 'vue'

const needRefresh = ref(false)
const offlineReady = ref(false)
let update: (() => Promise<void>) | null = null

/** Written by modules/pwa.ts, read by the update prompt. */
export function setPwaState(state: { needRefresh?: boolean; offlineReady?: boolean; update?: () => Promise<void> }): void {
  if (state.needRefresh !== undefined) needRefresh.value = state.needRefresh
  if (state.offlineReady !== undefined) offlineReady.value = state.offlineReady
  if (state.update) update = state.update
}

export function usePwaUpdate() {
  return {
    needRefresh: readonly(needRefresh),
    offlineReady: readonly(offlineReady),
    /** Activates the waiting service worker; the page reloads once it takes control. */
    reload: () => update?.(),
    dismiss: () => {
      needRefresh.value = false
      offlineReady.value = false
    },
  }
}
