import { expandPermissions, hasPermission, type Permission } from '@shared/permissions'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, isApiError } from '~/api/client'
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
      me.value = await api.get<Me>('/api/auth/me', { expectUnauthorized: true })
    } catch (error) {
      if (!isApiError(error) || error.status !== 401) throw error
      me.value = null
    }
    loaded.value = true
    return me.value
  }

  async function login(email: string, password: string): Promise<Me> {
    me.value = await api.post<Me>('/api/auth/login', { email, password }, { expectUnauthorized: true })
    loaded.value = true
    return me.value
  }

  async function select(organizationId: Id, roleId?: Id): Promise<Me> {
    me.value = await api.post<Me>('/api/auth/select', { organization_id: organizationId, ...(roleId !== undefined ? { role_id: roleId } : {}) })
    return me.value
  }

  async function logout(): Promise<void> {
    try {
      await api.post('/api/auth/logout', {}, { expectUnauthorized: true })
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
