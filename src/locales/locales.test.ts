import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { baseMessages, dashboardMessages, onlineMessages } from './index'

// Every message: the base files, the dashboard's areas (loaded with the dashboard in the app) and the online-only
// screens' (loaded when opened).
const dashboard = await dashboardMessages()
const online = await onlineMessages()
const messages = { en: await baseMessages('en'), id: await baseMessages('id') }
const en = { ...messages.en, ...dashboard.en, ...online.en }
const id = { ...messages.id, ...dashboard.id, ...online.id }

interface Tree { [key: string]: string | Tree }

function keysOf(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keysOf(value, `${prefix}${key}.`),
  )
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(vue|ts)$/.test(name) && !name.endsWith('.test.ts') ? [path] : []
  })
}

const src = fileURLToPath(new URL('..', import.meta.url))

describe('interface languages', () => {
  it('Indonesian and English have the same messages', () => {
    expect(keysOf(id as Tree).sort()).toEqual(keysOf(en as Tree).sort())
  })

  it('no message is empty or uses vue-i18n syntax by accident (@ and | are special)', () => {
    for (const [lang, tree] of [['id', id], ['en', en]] as const) {
      for (const key of keysOf(tree as Tree)) {
        const value = key.split('.').reduce<unknown>((node, part) => (node as Tree)[part], tree) as string
        expect(value.trim(), `${lang}:${key}`).not.toBe('')
        expect(value, `${lang}:${key}`).not.toMatch(/@/)
        if (!['admin.members.count', 'organization.minutes', 'confusable.summary', 'reports.grid.members'].includes(key)) expect(value, `${lang}:${key}`).not.toMatch(/\|/)
      }
    }
  })

  it('every literal key the code asks for exists', () => {
    const known = new Set(keysOf(en as Tree))
    const missing: string[] = []
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8')
      for (const match of text.matchAll(/\b(?:t|te)\(\s*'([a-zA-Z][\w.]+)'/g)) {
        if (!known.has(match[1]!)) missing.push(`${file.slice(src.length)}: ${match[1]}`)
      }
      for (const match of text.matchAll(/(?:title|label): '([a-z]\w*\.[\w.]+)'/g)) {
        if (!known.has(match[1]!)) missing.push(`${file.slice(src.length)}: ${match[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('uses the messages that are loaded where it asks: online-only keys only after they loaded, dashboard keys never on a phone or tablet', () => {
    const keysIn = (trees: Tree[]) => new Set(trees.flatMap((tree) => keysOf(tree)))
    const onlineOnly = keysIn([online.en as unknown as Tree])
    const dashboardOnly = keysIn([dashboard.en as unknown as Tree])
    for (const key of keysIn([messages.en as unknown as Tree])) {
      onlineOnly.delete(key)
      dashboardOnly.delete(key)
    }
    // The files that render after loadOnlineMessages() (src/components/notifications/lazy.ts, the member-data route).
    const afterOnline = ['components/notifications/NotificationSettings.vue', 'views/member/MyData.vue']
    // The phone's and the tablet's screens never load the dashboard's messages.
    const device = /^(views\/(member|petugas)|components\/(kiosk|member|face)|kiosk)\//
    const wrong: string[] = []
    for (const file of sourceFiles(src)) {
      const rel = file.slice(src.length).replace(/\\/g, '/')
      for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
        for (const match of line.matchAll(/\b(?:(?:t|te)\(\s*|title: |label: )'([a-zA-Z][\w.]+)'/g)) {
          const key = match[1]!
          const lazyRoute = rel === 'router/routes.ts' && line.includes('loadOnlineMessages()')
          if (onlineOnly.has(key) && !afterOnline.includes(rel) && !lazyRoute) wrong.push(`${rel}:${n + 1}: ${key} (online-only, not loaded there)`)
          if (dashboardOnly.has(key) && device.test(rel)) wrong.push(`${rel}:${n + 1}: ${key} (a dashboard message on a device screen)`)
        }
      }
    }
    expect(wrong).toEqual([])
  })
})
