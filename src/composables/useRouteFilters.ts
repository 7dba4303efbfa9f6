import { computed, type ComputedRef, nextTick, reactive, watch } from 'vue'
import { type LocationQuery, useRoute, useRouter } from 'vue-router'

// A list's filters live in the address, so a reload, a shared link or the back button shows the same list.

/** One value of the address's query as text: '' when absent or repeated. */
export function queryText(query: LocationQuery, key: string): string {
  const value = query[key]
  return typeof value === 'string' ? value : ''
}

/** The query for a set of values: empty ones ('', null, undefined) are left out, the rest written as text. */
export function queryOf(values: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {}
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') query[key] = String(value)
  return query
}

export interface SyncQueryOptions {
  /** Write (and report) the values once when setup is done, not only on their first change. */
  immediate?: boolean
  /** While false, a change is neither written nor reported (a date range that runs backwards, say). */
  valid?: () => boolean
  /** Only these keys go into the address (by default all). */
  keys?: readonly string[]
}

/**
 * Writes `source()` into the address (replacing the entry, not pushing one) whenever anything in it changes, then calls
 * `onChange` (reload the list). A null source writes nothing: the filters are not known yet.
 */
export function syncQuery<T extends object>(source: () => T | null | undefined, onChange: (values: T) => void, options: SyncQueryOptions = {}): void {
  const router = useRouter()
  let written = false
  function write(values: T | null | undefined): void {
    if (!values || (options.valid && !options.valid())) return
    written = true
    const all = values as Record<string, unknown>
    void router.replace({ query: queryOf(options.keys ? Object.fromEntries(options.keys.map((key) => [key, all[key]])) : all) })
    onChange(values)
  }
  watch(source, write, { deep: true })
  // The first write waits for the end of setup, so `onChange` may use what the component defines after this call.
  if (options.immediate) void nextTick(() => written || write(source()))
}

export interface RouteFilterOptions<T extends Record<string, string>> {
  /** Write (and report) the filters once when setup is done, not only on their first change. */
  immediate?: boolean
  /** While false, a change is neither written nor reported (a date range that runs backwards, say). */
  valid?: (filters: T) => boolean
  /** A filter's name in the address, where it differs from its own (`actor` -> `actor_user_id`). */
  keys?: { [K in keyof T]?: string }
  /** Whether a value read from the address is usable; if not, the filter starts at its default. */
  accept?: { [K in keyof T]?: (value: string) => boolean }
  /** The values written to the address (under their address names); by default every filter. */
  toQuery?: (filters: T) => Record<string, unknown>
  /** Called after a change was written: reload the list. */
  onChange?: (filters: T) => void
}

export interface RouteFilters<T extends Record<string, string>> {
  /** The filters, read from the address at first; bind them with v-model. */
  filters: T
  /** Whether any filter differs from its default. */
  filtered: ComputedRef<boolean>
  /** Puts the named filters (by default all) back to their defaults. */
  reset: (names?: (keyof T)[]) => void
}

/** Text filters kept in the address's query: read from it once, written back on every change. */
export function useRouteFilters<T extends Record<string, string>>(defaults: T, options: RouteFilterOptions<T> = {}): RouteFilters<T> {
  const route = useRoute()
  const names = Object.keys(defaults) as (keyof T & string)[]
  const keyOf = (name: keyof T & string) => options.keys?.[name] ?? name

  const initial = { ...defaults }
  for (const name of names) {
    const value = queryText(route.query, keyOf(name))
    if (value !== '' && (options.accept?.[name]?.(value) ?? true)) initial[name] = value as T[typeof name]
  }
  const filters = reactive(initial) as T

  const toQuery = options.toQuery ?? ((f: T) => Object.fromEntries(names.map((name) => [keyOf(name), f[name]])))
  const valid = options.valid
  syncQuery(() => toQuery(filters), () => options.onChange?.(filters), { immediate: options.immediate, valid: valid && (() => valid(filters)) })

  return {
    filters,
    filtered: computed(() => names.some((name) => filters[name] !== defaults[name])),
    reset(only = names) {
      for (const name of only) filters[name] = defaults[name]
    },
  }
}

/** Whether a from–to range of dates (YYYY-MM-DD, either may be empty) runs forwards. */
export function inOrder(from: string, to: string): boolean {
  return !(from && to && from > to)
}
