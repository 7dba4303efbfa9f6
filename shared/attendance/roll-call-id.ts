// The client id of one face of a roll-call (a UUID made from the roll-call's own id and the face's index), in a
// module of its own: the service worker's outbox uses it and must not carry the roll-call's zod schemas.

/**
 * The capture id of one face of a roll-call: derived from the roll-call's id and the face's position, so a roll-call
 * sent twice makes the same captures (and the second time they answer "duplicate"). A UUID (version 8, "custom").
 */
export async function rollCallFaceClientId(rollCallClientId: string, face: number): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`hadir-roll-call:${rollCallClientId}:${face}`)))
  bytes[6] = (bytes[6]! & 0x0F) | 0x80
  bytes[8] = (bytes[8]! & 0x3F) | 0x80
  const hex = [...bytes.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
