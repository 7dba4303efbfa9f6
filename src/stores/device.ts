import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, isApiError } from '~/api/client'
import type { EnrolledDevice } from '~/api/types'

/** This tablet's enrolment as a petugas device (the `hadir_device` cookie). */
export const useDeviceStore = defineStore('device', () => {
  const enrolled = ref<EnrolledDevice | null>(null)
  const loaded = ref(false)

  async function load(force = false): Promise<EnrolledDevice | null> {
    if (loaded.value && !force) return enrolled.value
    try {
      enrolled.value = await api.get<EnrolledDevice>('/api/devices/me', { expectUnauthorized: true })
    } catch (error) {
      if (!isApiError(error) || error.status !== 401) throw error
      enrolled.value = null
    }
    loaded.value = true
    return enrolled.value
  }

  async function enrol(code: string, name: string): Promise<EnrolledDevice> {
    enrolled.value = await api.post<EnrolledDevice>('/api/devices/enrol', { code, ...(name ? { name } : {}) })
    loaded.value = true
    return enrolled.value
  }

  return { enrolled, loaded, load, enrol }
})
