import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, isApiError } from '~/api/client'
import type { Id, MobileMe } from '~/api/types'

/** What a member's phone remembers after redeeming an invitation, so next time they type only the PIN. */
export interface RememberedMember {
  organization_id: Id
  organization_name: string
  login: string
  name: string
}

const REMEMBER_KEY = 'hadir.member'

function readRemembered(): RememberedMember | null {
  try {
    const value = JSON.parse(localStorage.getItem(REMEMBER_KEY) ?? 'null') as Partial<RememberedMember> | null
    if (value && Number(value.organization_id) > 0 && value.login) {
      return { organization_id: Number(value.organization_id), organization_name: value.organization_name ?? '', login: String(value.login), name: value.name ?? '' }
    }
  } catch {
    // A corrupt entry is simply forgotten.
  }
  return null
}

/** The mobile session (member on a phone, petugas on an enrolled tablet). */
export const useMobileStore = defineStore('mobile', () => {
  const me = ref<MobileMe | null>(null)
  const loaded = ref(false)
  const remembered = ref<RememberedMember | null>(readRemembered())

  async function load(force = false): Promise<MobileMe | null> {
    if (loaded.value && !force) return me.value
    try {
      me.value = await api.get<MobileMe>('/api/mobile/me', { expectUnauthorized: true })
    } catch (error) {
      if (!isApiError(error) || error.status !== 401) throw error
      me.value = null
    }
    loaded.value = true
    return me.value
  }

  async function login(organizationId: Id, login: string, pin: string): Promise<MobileMe> {
    me.value = await api.post<MobileMe>('/api/mobile/login', { organization_id: organizationId, login, pin }, { expectUnauthorized: true })
    loaded.value = true
    return me.value
  }

  async function redeem(code: string, pin: string): Promise<MobileMe> {
    me.value = await api.post<MobileMe>('/api/mobile/invitations/redeem', { code, pin })
    loaded.value = true
    return me.value
  }

  /** Only a member's own phone remembers the account; a shared petugas tablet never does. */
  function remember(session: MobileMe): void {
    const value: RememberedMember = {
      organization_id: session.organization.id,
      organization_name: session.organization.name,
      login: session.member.member_number || String(session.member.id),
      name: session.member.name,
    }
    remembered.value = value
    try {
      localStorage.setItem(REMEMBER_KEY, JSON.stringify(value))
    } catch {
      // Without storage the member types the organization and login again next time.
    }
  }

  function forget(): void {
    remembered.value = null
    try {
      localStorage.removeItem(REMEMBER_KEY)
    } catch {
      // nothing to forget
    }
  }

  async function logout(): Promise<void> {
    try {
      await api.post('/api/mobile/logout', {}, { expectUnauthorized: true })
    } finally {
      clear()
    }
  }

  function clear(): void {
    me.value = null
    loaded.value = true
  }

  return { me, loaded, remembered, load, login, redeem, remember, forget, logout, clear }
})
