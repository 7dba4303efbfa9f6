import { hasPermission } from '@shared/permissions'
import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router'
import type { MobileMe } from '~/api/types'
import { useDeviceStore } from '~/stores/device'
import { useMobileStore } from '~/stores/mobile'
import { useSessionStore } from '~/stores/session'
import { useSetupStore } from '~/stores/setup'

type GuardResult = true | RouteLocationRaw

/** A petugas session is one that may capture attendance; a member's may only submit their own. */
export function isPetugasSession(me: MobileMe): boolean {
  return hasPermission(me.permissions, 'attendance:record:capture')
}

/** Only same-surface paths are followed after login, never another origin. */
export function safeRedirect(value: unknown, prefix: string): string | null {
  return typeof value === 'string' && value.startsWith(prefix) && !value.startsWith('//') ? value : null
}

async function adminGuard(to: RouteLocationNormalized): Promise<GuardResult> {
  const session = useSessionStore()
  let me
  try {
    me = await session.load()
  } catch {
    // The server is unreachable: the login screen says so when the person tries.
    return to.meta.guest ? true : { name: 'admin-login' }
  }
  if (to.meta.guest) {
    if (!me) return true
    return me.active ? { name: 'admin-overview' } : { name: 'admin-select-org' }
  }
  if (!me) return { name: 'admin-login', query: to.fullPath === '/admin' ? {} : { redirect: to.fullPath } }
  if (to.meta.needsActive && !me.active) {
    return { name: 'admin-select-org', query: to.fullPath === '/admin' ? {} : { redirect: to.fullPath } }
  }
  if (to.meta.permission && !session.can(to.meta.permission)) return { name: 'admin-overview' }
  return true
}

async function memberGuard(to: RouteLocationNormalized): Promise<GuardResult> {
  if (to.name === 'member-invite') return true
  const mobile = useMobileStore()
  let me
  try {
    me = await mobile.load()
  } catch {
    return to.meta.guest ? true : { name: 'member-login' }
  }
  if (me && isPetugasSession(me)) return to.meta.guest ? true : { name: 'petugas-home' }
  if (to.meta.guest) return me ? { name: 'member-home' } : true
  return me ? true : { name: 'member-login' }
}

async function petugasGuard(to: RouteLocationNormalized): Promise<GuardResult> {
  const device = useDeviceStore()
  let enrolled
  try {
    enrolled = await device.load()
  } catch {
    return to.name === 'petugas-enrol' ? true : { name: 'petugas-enrol' }
  }
  if (to.name === 'petugas-enrol') return enrolled ? { name: 'petugas-login' } : true
  if (!enrolled) return { name: 'petugas-enrol' }

  const mobile = useMobileStore()
  let me
  try {
    me = await mobile.load()
  } catch {
    return to.name === 'petugas-login' ? true : { name: 'petugas-login' }
  }
  const signedIn = !!me && isPetugasSession(me)
  if (to.name === 'petugas-login') return signedIn ? { name: 'petugas-home' } : true
  return signedIn ? true : { name: 'petugas-login' }
}

export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    const needsSetup = await useSetupStore().check()
    if (needsSetup === true) return to.name === 'setup' ? true : { name: 'setup' }
    if (to.name === 'setup' && needsSetup === false) return { name: 'admin-login' }

    switch (to.meta.surface) {
      case 'admin':
        return adminGuard(to)
      case 'member':
        return memberGuard(to)
      case 'petugas':
        return petugasGuard(to)
      default:
        return true
    }
  })
}
