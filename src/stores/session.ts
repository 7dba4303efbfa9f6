import { expandPermissions, hasPermission, type Permission } from '@shared/permissions'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { isApiError } from '~/api/client'
import { dashboardLogin, dashboardLogout, getMe, selectOrganization } from '~/api/session'
import type { Id, Me } from '~/api/types'

/** The dashboard session: who is signed in, in which organization, with which role. */
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const loaded = ref(false)

  const active = computed(() => me.value?.active ?? null)
  const permissions = computed(() => expandPermissions(active.value?.permissions ?? []))
  const organizationId = computed(() => active.value?.organization.id ?? null)

  function can(permission: Permission): boolean {
    return hasPermission(permissions.value, permission)
  }

  async function load(force = false): Promise<Me | null> {
    if (loaded.value && !force) return me.value
    try {
      me.value = await getMe()
    } catch (error) {
      if (!isApiError(error) || error.status !== 401) throw error
      me.value = null
    }
    loaded.value = true
    return me.value
  }

  async function login(email: string, password: string): Promise<Me> {
    me.value = await dashboardLogin(email, password)
    loaded.value = true
    return me.value
  }

  async function select(organizationId: Id, roleId?: Id): Promise<Me> {
    me.value = await selectOrganization(organizationId, roleId)
    return me.value
  }

  async function logout(): Promise<void> {
    try {
      await dashboardLogout()
    } finally {
      clear()
    }
  }

  function clear(): void {
    me.value = null
    loaded.value = true
  }

  return { me, loaded, active, permissions, organizationId, can, load, login, select, logout, clear }
})
