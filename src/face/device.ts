// A stable random id for this browser, sent with consent and face registration so the record says which device it
// came from. Not a secret and not a fingerprint: a random UUID kept in localStorage.
const KEY = 'hadir.device.id'

function randomId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function deviceId(storage: Pick<Storage, 'getItem' | 'setItem'> | null = safeStorage()): string {
  const existing = storage?.getItem(KEY)
  if (existing && /^[\w-]{8,64}$/.test(existing)) return existing
  const id = randomId()
  try {
    storage?.setItem(KEY, id)
  } catch {
    // Without storage the id lasts for this page only.
  }
  return id
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}
