import { onBeforeUnmount, onMounted, ref } from 'vue'
import { useRouter } from 'vue-router'
import { streamUrl } from '~/api/attendance-admin'
import { useSessionStore } from '~/stores/session'

export type StreamState = 'connecting' | 'live' | 'offline' | 'ended'

/**
 * Live attendance for a page: opens the organization's event stream and hands over the ids of changed records in
 * small batches. After a dropped connection comes back, `onResync` runs (events may have been missed meanwhile).
 * When the server ends the stream because the session ended, the session is re-read (a signed-out one goes to login).
 */
export function useAttendanceStream(organizationId: () => string, handlers: { onChanges: (ids: number[]) => void; onResync?: () => void }, debounceMs = 250) {
  const state = ref<StreamState>('connecting')
  const session = useSessionStore()
  const router = useRouter()
  let source: EventSource | null = null
  let pending = new Set<number>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let connectedBefore = false

  function flush(): void {
    timer = undefined
    const ids = [...pending]
    pending = new Set()
    if (ids.length) handlers.onChanges(ids)
  }

  function open(): void {
    if (typeof EventSource === 'undefined' || !organizationId()) {
      state.value = 'offline'
      return
    }
    state.value = 'connecting'
    const es = new EventSource(streamUrl(organizationId()))
    source = es
    es.addEventListener('ready', () => {
      state.value = 'live'
      if (connectedBefore) handlers.onResync?.()
      connectedBefore = true
    })
    es.addEventListener('attendance', (event) => {
      try {
        const data = JSON.parse((event as MessageEvent<string>).data) as { id?: unknown }
        if (typeof data.id === 'number') pending.add(data.id)
      } catch {
        return
      }
      timer ??= setTimeout(flush, debounceMs)
    })
    es.addEventListener('end', () => {
      state.value = 'ended'
      es.close()
      void session.load(true).then((me) => {
        if (!me?.active) void router.push({ name: 'admin-login' })
      })
    })
    es.onerror = () => {
      if (state.value === 'ended') return
      // The browser retries by itself while the stream is merely interrupted; a refused one (401, 403) stays closed.
      state.value = es.readyState === EventSource.CLOSED ? 'offline' : 'connecting'
    }
  }

  function close(): void {
    source?.close()
    source = null
    clearTimeout(timer)
  }

  onMounted(open)
  onBeforeUnmount(close)
  return { state, reconnect: () => {
    close()
    open()
  } }
}
