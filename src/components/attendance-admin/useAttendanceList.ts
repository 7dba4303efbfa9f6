import { type Ref, ref, shallowRef } from 'vue'
import { type AttendanceFilters, type AttendanceRow, listAttendance, matchingRecords } from '~/api/attendance-admin'
import { attendanceError } from './format'

const PAGE_SIZE = 50

/**
 * The attendance list's rows for the current filters: the first page, more on request (by cursor), and live changes
 * merged in place (useAttendanceStream hands over the ids). A reload started later wins over an earlier one.
 */
export function useAttendanceList(organizationId: Readonly<Ref<string>>, filters: Readonly<Ref<AttendanceFilters | null>>) {
  const rows = shallowRef<AttendanceRow[]>([])
  const total = ref<number | null>(null)
  /** The server counts up to a cap: the total is then a floor ("10,000+"). */
  const totalCapped = ref(false)
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const failure = ref<string | null>(null)
  /** Rows that arrived live since the last reload. */
  const fresh = ref(new Set<number>())
  let generation = 0

  async function reload(): Promise<void> {
    const f = filters.value
    if (!f) return
    const mine = ++generation
    loading.value = true
    failure.value = null
    try {
      const page = await listAttendance(organizationId.value, f, { limit: PAGE_SIZE })
      if (mine !== generation) return
      rows.value = page.records
      total.value = page.total
      totalCapped.value = page.total_capped === true
      nextCursor.value = page.next_cursor
      fresh.value = new Set()
    } catch (error) {
      if (mine === generation) failure.value = attendanceError(error)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    const f = filters.value
    if (!f || !nextCursor.value || loadingMore.value) return
    const mine = generation
    loadingMore.value = true
    try {
      const page = await listAttendance(organizationId.value, f, { limit: PAGE_SIZE, cursor: nextCursor.value })
      if (mine !== generation) return
      const shown = new Set(rows.value.map((r) => r.id))
      rows.value = [...rows.value, ...page.records.filter((r) => !shown.has(r.id))]
      nextCursor.value = page.next_cursor
    } catch (error) {
      failure.value = attendanceError(error)
    } finally {
      loadingMore.value = false
    }
  }

  /** Brings the records with these ids up to date in the list. */
  async function merge(ids: number[]): Promise<void> {
    const f = filters.value
    if (!f) return
    try {
      const { records } = await matchingRecords(organizationId.value, f, ids)
      const matching = new Map(records.map((r) => [r.id, r]))
      const shown = new Set(rows.value.map((r) => r.id))
      const added = records.filter((r) => !shown.has(r.id))
      // Changed rows stay where they are; rows that no longer match the filters leave; new ones come in at the top.
      const kept = rows.value.flatMap((r) => (matching.has(r.id) ? [matching.get(r.id)!] : ids.includes(r.id) ? [] : [r]))
      const removed = rows.value.length - kept.length
      rows.value = [...added, ...kept]
      if (total.value !== null && !totalCapped.value) total.value += added.length - removed
      if (added.length) fresh.value = new Set([...fresh.value, ...added.map((r) => r.id)])
    } catch {
      // A missed live update is caught up by the next reload.
    }
  }

  /** A record changed here (approved, corrected): its row shows the new state where it is. */
  function replace(row: AttendanceRow): void {
    rows.value = rows.value.map((r) => (r.id === row.id ? row : r))
  }

  return { rows, total, totalCapped, nextCursor, loading, loadingMore, failure, fresh, reload, loadMore, merge, replace }
}
