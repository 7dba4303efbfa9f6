// A list's filters and the address: read once from the query, written back (replacing the entry) on every change, left
// alone while invalid, and reset to their defaults. Mounted with a real router on memory history and a renderer that
// draws nothing.
import { describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { mountComposable } from './test-mount'
import { inOrder, queryOf, queryText, syncQuery, useRouteFilters } from './useRouteFilters'

async function at(url: string): Promise<Router> {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:any(.*)*', component: { render: () => null } }] })
  await router.push(url)
  return router
}

/** Runs `setup` inside a mounted component that has `router`, as a view would. */
const mount = <T>(router: Router, setup: () => T): T => mountComposable(setup, [router]).result

async function settle(): Promise<void> {
  await nextTick()
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

const DEFAULTS = { actor: '', group: '', from: '', to: '' }

describe('useRouteFilters', () => {
  it('starts from the address, under the names given, and keeps the defaults for what it lacks', async () => {
    const router = await at('/log?actor_user_id=7&action=members&from=2026-11-01&other=x')
    const { filters, filtered } = mount(router, () => useRouteFilters({ ...DEFAULTS }, { keys: { actor: 'actor_user_id', group: 'action' } }))
    expect({ ...filters }).toEqual({ actor: '7', group: 'members', from: '2026-11-01', to: '' })
    expect(filtered.value).toBe(true)
  })

  it('refuses a value its check refuses, and a repeated key', async () => {
    const router = await at('/report?tab=weekly&date=2026-11-02&date=2026-11-03&month=2026-10')
    const { filters, filtered } = mount(router, () =>
      useRouteFilters({ tab: 'daily', date: '2026-12-04', month: '2026-12' }, { accept: { tab: (v) => v === 'daily' || v === 'monthly' } }),
    )
    expect({ ...filters }).toEqual({ tab: 'daily', date: '2026-12-04', month: '2026-10' })
    expect(filtered.value).toBe(true)
  })

  it('writes a change into the address, replacing the entry, leaving empty filters out, then reports it', async () => {
    const router = await at('/log?action=members')
    const replace = vi.spyOn(router, 'replace')
    const push = vi.spyOn(router, 'push')
    const onChange = vi.fn()
    const { filters } = mount(router, () => useRouteFilters({ ...DEFAULTS }, { keys: { actor: 'actor_user_id', group: 'action' }, onChange }))
    await settle()
    expect(onChange).not.toHaveBeenCalled() // not until something changes

    filters.actor = '3'
    filters.from = '2026-11-01'
    await settle()
    expect(router.currentRoute.value.query).toEqual({ actor_user_id: '3', action: 'members', from: '2026-11-01' })
    expect(replace).toHaveBeenCalledTimes(1) // one write for changes made together
    expect(push).not.toHaveBeenCalled()
    expect(onChange).toHaveBeenCalledTimes(1)
    expect(onChange.mock.calls[0]![0]).toMatchObject({ actor: '3', from: '2026-11-01' })
  })

  it('writes and reports nothing while the filters are invalid, and does once they are valid again', async () => {
    const router = await at('/log')
    const onChange = vi.fn()
    const { filters } = mount(router, () => useRouteFilters({ ...DEFAULTS }, { valid: (f) => inOrder(f.from, f.to), onChange }))
    filters.from = '2026-11-10'
    filters.to = '2026-11-01'
    await settle()
    expect(router.currentRoute.value.query).toEqual({})
    expect(onChange).not.toHaveBeenCalled()
    filters.to = '2026-11-30'
    await settle()
    expect(router.currentRoute.value.query).toEqual({ from: '2026-11-10', to: '2026-11-30' })
    expect(onChange).toHaveBeenCalledTimes(1)
  })

  it('resets all filters, or only the ones named', async () => {
    const router = await at('/log?actor=1&group=members&from=2026-11-01')
    const { filters, filtered, reset } = mount(router, () => useRouteFilters({ ...DEFAULTS }))
    reset(['actor'])
    expect({ ...filters }).toEqual({ actor: '', group: 'members', from: '2026-11-01', to: '' })
    reset()
    expect({ ...filters }).toEqual(DEFAULTS)
    expect(filtered.value).toBe(false)
    await settle()
    expect(router.currentRoute.value.query).toEqual({})
  })

  it('with immediate and its own query, writes at once and only what the query reads', async () => {
    const router = await at('/report?tab=monthly&location_id=5')
    const onChange = vi.fn()
    const { filters } = mount(router, () =>
      useRouteFilters(
        { tab: 'daily', month: '2026-12', location_id: '' },
        { immediate: true, onChange, toQuery: (f) => (f.tab === 'daily' ? { tab: f.tab, location_id: f.location_id } : { tab: f.tab, month: f.month }) },
      ),
    )
    await settle()
    expect(router.currentRoute.value.query).toEqual({ tab: 'monthly', month: '2026-12' })
    expect(onChange).toHaveBeenCalledTimes(1)
    filters.location_id = '' // not read by the monthly query: nothing to write, nothing to reload
    await settle()
    expect(onChange).toHaveBeenCalledTimes(1)
    filters.tab = 'daily'
    await settle()
    expect(router.currentRoute.value.query).toEqual({ tab: 'daily' })
    expect(onChange).toHaveBeenCalledTimes(2)
  })
})

describe('query helpers', () => {
  it('reads one text value, and writes only the values given', () => {
    expect(queryText({ a: 'x', b: ['1', '2'], c: null }, 'a')).toBe('x')
    expect(queryText({ a: 'x', b: ['1', '2'], c: null }, 'b')).toBe('')
    expect(queryText({}, 'a')).toBe('')
    expect(queryOf({ a: '', b: undefined, c: null, d: 0, e: 'x', f: 12 })).toEqual({ d: '0', e: 'x', f: '12' })
  })

  it('knows a backwards date range', () => {
    expect(inOrder('2026-11-01', '2026-11-02')).toBe(true)
    expect(inOrder('2026-11-02', '2026-11-01')).toBe(false)
    expect(inOrder('', '2026-11-01')).toBe(true)
  })
})

describe('syncQuery', () => {
  it('waits for values, then writes only the keys asked for on every deep change', async () => {
    const router = await at('/attendance')
    const onChange = vi.fn()
    const filters = ref<{ q?: string; member_id?: number; extra?: string } | null>(null)
    mount(router, () => syncQuery(() => filters.value, onChange, { keys: ['q', 'member_id'] }))
    await settle()
    expect(onChange).not.toHaveBeenCalled()
    filters.value = { q: 'siti', member_id: 4, extra: 'not in the address' }
    await settle()
    expect(router.currentRoute.value.query).toEqual({ q: 'siti', member_id: '4' })
    filters.value.member_id = undefined
    await settle()
    expect(router.currentRoute.value.query).toEqual({ q: 'siti' })
    expect(onChange).toHaveBeenCalledTimes(2)
  })
})
