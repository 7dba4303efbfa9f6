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
})
