// Where this kiosk stands: the location (its id goes on every record, for the geofence) and optionally the
// department it serves (search shows that department's members first). Remembered on the device, per organization.

export interface KioskStation {
  location_id: number | null
  department_id: number | null
}

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>

const key = (organizationId: number) => `hadir.kiosk.station.${organizationId}`

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

const asId = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null)

export function readStation(organizationId: number, store: Storage | null = storage()): KioskStation | null {
  try {
    const value = JSON.parse(store?.getItem(key(organizationId)) ?? 'null') as Partial<KioskStation> | null
    if (!value || typeof value !== 'object') return null
    return { location_id: asId(value.location_id), department_id: asId(value.department_id) }
  } catch {
    return null
  }
}

export function saveStation(organizationId: number, station: KioskStation, store: Storage | null = storage()): void {
  try {
    store?.setItem(key(organizationId), JSON.stringify({ location_id: asId(station.location_id), department_id: asId(station.department_id) }))
  } catch {
    // Without storage the petugas picks the place again after a reload.
  }
}

/** A remembered choice whose place no longer exists (deleted on the dashboard) is asked again, never sent. */
export function validStation(station: KioskStation | null, places: { locations: { id: number }[]; departments: { id: number }[] }): KioskStation | null {
  if (!station) return null
  if (station.location_id !== null && !places.locations.some((l) => l.id === station.location_id)) return null
  if (station.department_id !== null && !places.departments.some((d) => d.id === station.department_id)) return null
  return station
}
