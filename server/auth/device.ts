import type { Context } from 'hono'
import type { AppEnv, DevicePrincipal } from '../context'
import { loadCaller } from './session'

/** Resolves the `hadir_device` cookie of an enrolled, unrevoked tablet (with the session, in one statement: loadCaller). */
export async function loadDevice(c: Context<AppEnv>): Promise<DevicePrincipal | null> {
  return (await loadCaller(c)).device
}
