// Where a webhook may point. An admin types a URL and the server calls it: without a check, that is a way to make the
// server reach its own network (SSRF: cloud metadata at 169.254.169.254, a database on 10.x, the app itself on
// 127.0.0.1). Refused: anything but http(s), credentials in the URL, and every loopback, private, link-local,
// carrier-grade NAT, multicast and reserved address, checked on the name as resolved at delivery time too (the
// delivery's own DNS lookup is checked, so a name that resolves elsewhere later is still refused). With
// HADIR_WEBHOOK_ALLOW_PRIVATE_TARGETS=true (tests, a receiver on the same LAN) they are allowed.
import dns from 'node:dns'
import net from 'node:net'
import { ValidationError } from '../../errors'

export const targetSettings = {
  allowPrivate: process.env.HADIR_WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true',
}

const blocked = new net.BlockList()
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(address, prefix, 'ipv4')
for (const [address, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  blocked.addSubnet(address, prefix, 'ipv6')
}

/** Whether an address is one the server must not call (an IPv4-mapped IPv6 address is judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return blocked.check(mapped[1]!, 'ipv4')
  const family = net.isIP(address)
  if (family === 0) return true
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** Checks a URL an admin typed; answers it normalised, or a 422 saying why not. */
export function checkTargetUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ValidationError('Enter a full URL, like https://example.com/hadir', { url: raw }, 'WEBHOOK_URL_INVALID')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError('Use an http:// or https:// URL', { url: raw }, 'WEBHOOK_URL_INVALID')
  if (url.username || url.password) throw new ValidationError('Put no user name or password in the URL (use the signature to authenticate Hadir)', { url: raw }, 'WEBHOOK_URL_INVALID')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!targetSettings.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isPrivateAddress(host)))) {
    throw new ValidationError('This address is on a private network; webhooks go to public addresses', { url: raw }, 'WEBHOOK_URL_PRIVATE')
  }
  return url.toString()
}

/**
 * Checks a browser's push endpoint before it is kept: https to a public host (the push services are on the internet).
 * A loopback or private address only where private targets are allowed, and plain http only to this machine (a
 * test's push service).
 */
export function checkPushEndpoint(raw: string): void {
  const refuse = (message: string) => {
    throw new ValidationError(message, [{ path: 'endpoint', message }], 'PUSH_ENDPOINT_INVALID')
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse('Not a push endpoint URL')
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const local = host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) !== 0 && isPrivateAddress(host))
  if (url.username || url.password) refuse('A push endpoint has no user name or password')
  if (local && !targetSettings.allowPrivate) refuse('A push endpoint must be a public address')
  const loopback = host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) refuse('A push endpoint must use https')
}

/** The DNS lookup of a delivery: the same as the system's, refusing private answers (unless allowed). */
export const guardedLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const list = addresses as dns.LookupAddress[]
    const bad = !targetSettings.allowPrivate && list.some((a) => isPrivateAddress(a.address))
    if (bad || list.length === 0) {
      const refusal = Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'PRIVATE_ADDRESS' })
      return callback(refusal, '', 0)
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list)
    callback(null, list[0]!.address, list[0]!.family)
  })
}
