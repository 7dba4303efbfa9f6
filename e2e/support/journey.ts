// What the journey (e2e/journey.spec.ts) needs besides faces: screenshots at the three device sizes, the
// accessibility scan of every main screen, spreadsheets in and out, and where its own server keeps photos.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { type APIRequestContext, type APIResponse, expect, type Page } from '@playwright/test'
import * as XLSX from 'xlsx'
import { stillCamera } from './paced-camera'

export const JOURNEY_DIR = 'test-results/journey'
export const SIZES = {
  phone: { width: 390, height: 844 },
  tablet: { width: 1024, height: 768 },
  tabletWide: { width: 1280, height: 800 },
  desktop: { width: 1440, height: 900 },
} as const
export type Size = keyof typeof SIZES

/**
 * A screenshot of what the page shows now, into test-results/journey/<name>.png (the page's own viewport). With
 * `also`, the page is resized to those sizes for one more picture each (`<name>-<width>.png`) and put back.
 */
export async function snap(page: Page, name: string, options: { fullPage?: boolean; also?: Size[] } = {}): Promise<void> {
  await stillCamera(page, () => takeSnap(page, name, options))
}

async function takeSnap(page: Page, name: string, options: { fullPage?: boolean; also?: Size[] }): Promise<void> {
  fs.mkdirSync(JOURNEY_DIR, { recursive: true })
  // Web fonts, transitions and lazily loaded chunks settle first, so the picture shows the real screen.
  await page.evaluate(() => document.fonts.ready.then(() => undefined)).catch(() => {})
  // The "ready to work offline" note goes away by itself after a few seconds; it would hide the header here.
  const toast = page.getByTestId('pwa-toast')
  // Bounded: the note may go away by itself between the look and the click (a click on nothing waited 15 min in CI).
  if ((await toast.isVisible()) && (await page.getByTestId('pwa-reload').count()) === 0) await toast.locator('button').last().click({ timeout: 5_000 }).catch(() => {})
  await page.waitForTimeout(250)
  await page.screenshot({ path: `${JOURNEY_DIR}/${name}.png`, fullPage: options.fullPage ?? false })
  if (!options.also?.length) return
  const original = page.viewportSize()
  for (const size of options.also) {
    await page.setViewportSize(SIZES[size])
    await page.waitForTimeout(200)
    await page.screenshot({ path: `${JOURNEY_DIR}/${name}-${SIZES[size].width}.png`, fullPage: options.fullPage ?? false })
  }
  if (original) await page.setViewportSize(original)
}

export interface A11yFinding {
  screen: string
  url: string
  id: string
  impact: string
  help: string
  targets: string[]
}

/** axe-core on each main screen (WCAG 2.1 A/AA rules); serious and critical findings are collected, not thrown at once. */
export class A11yScan {
  readonly findings: A11yFinding[] = []
  readonly screens: string[] = []
  /** Time spent scanning, in ms (for the runtime budget). */
  ms = 0

  async check(page: Page, screen: string): Promise<A11yFinding[]> {
    const started = Date.now()
    // Colours are measured at rest: for the scan, no animation or transition runs (a card fading in is measured at
    // its end colours, not half-transparent), including a card that appears while axe runs, as on a live kiosk,
    // whose camera keeps producing answers. The style is removed afterwards, so the page goes on as before.
    await page.evaluate(() => {
      const style = document.createElement('style')
      style.id = 'a11y-scan-still'
      style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; }'
      document.head.append(style)
    })
    // Legacy mode runs axe in the page itself (no extra blank page in the context, which a kiosk must not get).
    const axe = new AxeBuilder({ page }).setLegacyMode(true).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    let results: Awaited<ReturnType<AxeBuilder['analyze']>>
    try {
      results = await axe.analyze()
    } finally {
      await page.evaluate(() => document.getElementById('a11y-scan-still')?.remove()).catch(() => undefined)
    }
    const found = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ screen, url: new URL(page.url()).pathname, id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))
    this.screens.push(screen)
    this.findings.push(...found)
    this.ms += Date.now() - started
    return found
  }

  save(): void {
    fs.mkdirSync(JOURNEY_DIR, { recursive: true })
    fs.writeFileSync(path.join(JOURNEY_DIR, 'axe.json'), JSON.stringify({ screens: this.screens, findings: this.findings }, null, 2))
  }

  summary(): string {
    return this.findings.map((f) => `${f.screen} (${f.url}): ${f.impact} ${f.id} — ${f.help} — ${f.targets.join(' | ')}`).join('\n')
  }
}

/** An .xlsx file (one sheet) from rows of cells, the first row being the header. */
export function xlsxFile(rows: (string | number)[][], sheet = 'Anggota'): Buffer {
  const book = XLSX.utils.book_new()
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(rows), sheet)
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer
}

/** Every sheet of an .xlsx file as rows of cells (what a person opening the file sees). */
export function readXlsx(file: Buffer | string): Record<string, unknown[][]> {
  const book = typeof file === 'string' ? XLSX.readFile(file) : XLSX.read(file, { type: 'buffer' })
  return Object.fromEntries(book.SheetNames.map((name) => [name, XLSX.utils.sheet_to_json<unknown[]>(book.Sheets[name]!, { header: 1, defval: null })]))
}

/** The `hadir-<label>-*` data directories in the temp folder (support/server.ts makes one per server). */
export function serverDataDirs(label: string): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((d) => d.startsWith(`hadir-${label}-`))
    .map((d) => path.join(os.tmpdir(), d))
}

/** Photo files the server stores for a member (registration `faces/` and attendance `attendance/`). */
export function storedPhotos(dataDir: string, organizationId: number, memberId: number): { faces: string[]; attendance: string[] } {
  const list = (kind: string) => {
    const dir = path.join(dataDir, 'photos', `org-${organizationId}`, kind, String(memberId))
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.tmp')) : []
  }
  return { faces: list('faces'), attendance: list('attendance') }
}

/** `data` of a successful API answer, or a failure that says what the server answered. */
export async function ok<T>(response: APIResponse): Promise<T> {
  const text = await response.text()
  expect(response.ok(), `${response.url()}: ${response.status()} ${text.slice(0, 500)}`).toBe(true)
  const body = JSON.parse(text) as { data?: T }
  return (body.data ?? body) as T
}

export type Api = APIRequestContext
