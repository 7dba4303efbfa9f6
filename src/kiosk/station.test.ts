import { describe, expect, it } from 'vitest'
import { readStation, saveStation, validStation } from './station'

function memory() {
  const map = new Map<string, string>()
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) }
}

describe('the kiosk’s place', () => {
  it('is remembered per organization', () => {
    const store = memory()
    expect(readStation(1, store)).toBeNull()
    saveStation(1, { location_id: 4, department_id: null }, store)
    expect(readStation(1, store)).toEqual({ location_id: 4, department_id: null })
    expect(readStation(2, store)).toBeNull()
  })

  it('a corrupt entry is ignored', () => {
    const store = memory()
    store.setItem('hadir.kiosk.station.1', '{nope')
    expect(readStation(1, store)).toBeNull()
    store.setItem('hadir.kiosk.station.1', JSON.stringify({ location_id: 'x', department_id: -2 }))
    expect(readStation(1, store)).toEqual({ location_id: null, department_id: null })
  })

  it('a place deleted since is asked again', () => {
    const places = { locations: [{ id: 4 }], departments: [{ id: 9 }] }
    expect(validStation({ location_id: 4, department_id: 9 }, places)).toEqual({ location_id: 4, department_id: 9 })
    expect(validStation({ location_id: null, department_id: null }, places)).toEqual({ location_id: null, department_id: null })
    expect(validStation({ location_id: 5, department_id: null }, places)).toBeNull()
    expect(validStation({ location_id: 4, department_id: 8 }, places)).toBeNull()
  })
})
