// A page's month and department from its address (?month=2026-12&department=4), so a link or a reload opens the same
// view; without a month, the organization's current one.
import { toLocal } from '@shared/attendance/rules'
import { monthBounds } from '@shared/calendar'
import { computed } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useActiveOrganization } from './useActiveOrganization'

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/

export function useMonthQuery() {
  const route = useRoute()
  const router = useRouter()
  const { session } = useActiveOrganization()
  const thisMonth = () => toLocal(new Date(), session.active?.organization.timezone ?? 'Asia/Jakarta').date.slice(0, 7)
  const month = computed(() => (typeof route.query.month === 'string' && MONTH.test(route.query.month) ? route.query.month : thisMonth()))
  const departmentId = computed(() => (typeof route.query.department === 'string' && /^\d+$/.test(route.query.department) ? Number(route.query.department) : undefined))
  /** The last day of the month, "2026-12-31". */
  const lastDay = computed(() => monthBounds(month.value).end)
  /** Changes the address's query (other keys kept; undefined removes one). */
  const setQuery = (query: Record<string, string | undefined>) => router.replace({ query: { ...route.query, ...query } })
  return { route, month, departmentId, lastDay, setQuery }
}
