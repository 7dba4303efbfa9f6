import { defineStore } from 'pinia'
import { ref } from 'vue'
import { isApiError } from '~/api/client'
import { getMobileMe, mobileLogin, mobileLogout, redeemInvitation } from '~/api/session'
import type { Id, MobileMe } from '~/api/types'

/** What a member's phone remembers after redeeming an invitation, so next time they type only the PIN. */
export interface RememberedMember {
  organization_id: Id
  organization_name: string
  login: string
  name: string
  /** For face sign-in (1:1 against this member); missing in entries remembered before it existed. */
  member_id?: Id
}

const REMEMBER_KEY = 'hadir.member'
/** The last session's description, so a signed-in member (or petugas) keeps working when the network is gone. */
const SESSION_KEY = 'hadir.mobile.me'

function readRemembered(): RememberedMember | null {
  try {
    const value = JSON.parse(localStorage.getItem(REMEMBER_KEY) ?? 'null') as Partial<RememberedMember> | null
    if (value && Number(value.organization_id) > 0 && value.login) {
      const memberId = Number(value.member_id)
      return {
        organization_id: Number(value.organization_id),
        organization_name: value.organization_name ?? '',
        login: String(value.login),
        name: value.name ?? '',
        ...(Number.isInteger(memberId) && memberId > 0 ? { member_id: memberId } : {}),
      }
    }
  } catch {
    // A corrupt entry is simply forgotten.
  }
  return null
}

function readSession(): MobileMe | null {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as MobileMe | null
    return value && typeof value.member?.id === 'number' && typeof value.organization?.id === 'number' ? value : null
  } catch {
    return null
  }
}

function writeSession(value: MobileMe | null): void {
  try {
    if (value) localStorage.setItem(SESSION_KEY, JSON.stringify(value))
    else localStorage.removeItem(SESSION_KEY)
  } catch {
    // Without storage the app needs the network to know who is signed in.
  }
}

/** The mobile session (member on a phone, petugas on an enrolled tablet). */
export const useMobileStore = defineStore('mobile', () => {
  const me = ref<MobileMe | null>(null)
  const loaded = ref(false)
  const remembered = ref<RememberedMember | null>(readRemembered())
  /** True when `me` comes from this device's memory because the server could not be reached. */
  const offline = ref(false)

  function set(value: MobileMe | null): MobileMe | null {
    me.value = value
    loaded.value = true
    offline.value = false
    writeSession(value)
    return value
  }

  async function load(force = false): Promise<MobileMe | null> {
    if (loaded.value && !force) return me.value
    try {
      return set(await getMobileMe())
    } catch (error) {
      if (isApiError(error) && error.status === 401) return set(null)
      // No network: whoever signed in on this device last stays signed in (captures wait in the outbox; the server
      // checks the session again when they are sent).
      const cached = isApiError(error) && error.status === 0 ? readSession() : null
      if (!cached) throw error
      me.value = cached
      loaded.value = true
      offline.value = true
      return cached
    }
  }

  /** `organization`: the code a person typed, or the id of a remembered account or enrolled tablet. */
  async function login(organization: Id | string, login: string, pin: string): Promise<MobileMe> {
    return set(await mobileLogin(organization, login, pin))!
  }

  async function redeem(code: string, pin: string): Promise<MobileMe> {
    return set(await redeemInvitation(code, pin))!
  }

  /** A session that started elsewhere (face sign-in) or changed (profile edit). */
  function adopt(value: MobileMe): MobileMe {
    set(value)
    if (remembered.value && remembered.value.member_id === value.member.id) remember(value)
    return value
  }

  /** Only a member's own phone remembers the account; a shared petugas tablet never does. */
  function remember(session: MobileMe): void {
    const value: RememberedMember = {
      organization_id: session.organization.id,
      organization_name: session.organization.name,
      login: session.member.member_number || String(session.member.id),
      name: session.member.name,
      member_id: session.member.id,
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
      await mobileLogout()
    } finally {
      clear()
    }
  }

  function clear(): void {
    set(null)
  }

  return { me, loaded, offline, remembered, load, login, redeem, adopt, remember, forget, logout, clear }
})
