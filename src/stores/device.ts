import { defineStore } from 'pinia'
import { ref } from 'vue'
import { isApiError } from '~/api/client'
import { enrolDevice, getEnrolledDevice } from '~/api/session'
import type { EnrolledDevice } from '~/api/types'

/** The last known enrolment, so an enrolled kiosk keeps working (and reloads) while the network is gone. */
const ENROLMENT_KEY = 'hadir.device.enrolment'

function readEnrolment(): EnrolledDevice | null {
  try {
    const value = JSON.parse(localStorage.getItem(ENROLMENT_KEY) ?? 'null') as EnrolledDevice | null
    return value && typeof value.device?.id === 'number' && typeof value.organization?.id === 'number' ? value : null
  } catch {
    return null
  }
}

function writeEnrolment(value: EnrolledDevice | null): void {
  try {
    if (value) localStorage.setItem(ENROLMENT_KEY, JSON.stringify(value))
    else localStorage.removeItem(ENROLMENT_KEY)
  } catch {
    // Without storage the tablet needs the network to know it is enrolled.
  }
}

/** This tablet's enrolment as a petugas device (the `hadir_device` cookie). */
export const useDeviceStore = defineStore('device', () => {
  const enrolled = ref<EnrolledDevice | null>(null)
  const loaded = ref(false)
  /** True when `enrolled` comes from this tablet's memory because the server could not be reached. */
  const offline = ref(false)

  function set(value: EnrolledDevice | null): EnrolledDevice | null {
    enrolled.value = value
    loaded.value = true
    offline.value = false
    writeEnrolment(value)
    return value
  }

  async function load(force = false): Promise<EnrolledDevice | null> {
    if (loaded.value && !force) return enrolled.value
    try {
      return set(await getEnrolledDevice())
    } catch (error) {
      if (isApiError(error) && error.status === 401) return set(null)
      // No network: the enrolment the server confirmed last still holds (a revocation is learnt on the next answer).
      const cached = isApiError(error) && error.status === 0 ? readEnrolment() : null
      if (!cached) throw error
      enrolled.value = cached
      loaded.value = true
      offline.value = true
      return cached
    }
  }

  async function enrol(code: string, name: string): Promise<EnrolledDevice> {
    return set(await enrolDevice(code, name))!
  }

  return { enrolled, loaded, offline, load, enrol }
})
