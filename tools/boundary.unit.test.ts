// The product (server/, src/, shared/) never imports the test tooling in tools/ (benchmarks, security suites, face
// evaluation, the API tests' harness): the production build bundles what the product imports, and tools/ is not
// shipped. Tests and their fixtures beside the product code may use tools/; nothing else there may.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PRODUCT = ['server', 'src', 'shared']
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|vue)$/
/** Test code, which may use the tooling: *.test.ts (unit, api), *.fixture(s).ts. */
const TEST_CODE = /\.(test|fixtures?)\.[cm]?[jt]s$/

/** The module specifiers a source file names: import/export ... from, bare import, import(), require(), new URL(). */
export function specifiersOf(source: string): string[] {
  const found: string[] = []
  const patterns = [
    /\b(?:import|export)\b[^'"`;]+?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1/g,
    /\brequire\s*\(\s*(['"`])([^'"`]+)\1/g,
    /\bnew\s+URL\s*\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url/g,
  ]
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[2]!)
  return found
}

function productFiles(): string[] {
  return PRODUCT.flatMap((dir) =>
    (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
      .map((f) => path.join(dir, f))
      .filter((f) => SOURCE.test(f) && !TEST_CODE.test(f) && fs.statSync(path.join(ROOT, f)).isFile()),
  )
}

/** Where a specifier lands, relative to the repository, or null for a package. */
function target(file: string, spec: string): string | null {
  if (spec.startsWith('~/')) return path.join('src', spec.slice(2))
  if (spec.startsWith('@shared/')) return path.join('shared', spec.slice(8))
  if (spec.startsWith('.')) return path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec))
  if (spec.startsWith('/')) return path.relative(ROOT, spec)
  return null
}

describe('product code and the test tooling', () => {
  it('reads every kind of import', () => {
    const source = [
      'import { a } from \'../../tools/x\'',
      'import type { B } from \'./b\'',
      'export * from \'../c\'',
      'import \'./side-effect\'',
      'const d = await import("../d")',
      'const e = require(\'e\')',
      'new URL(\'./f.html\', import.meta.url)',
      'import {\n  g,\n  h,\n} from "../gh"',
    ].join('\n')
    expect(specifiersOf(source).sort()).toEqual(['../../tools/x', '../c', '../d', '../gh', './b', './f.html', './side-effect', 'e'].sort())
  })

  it('server/, src/ and shared/ import nothing from tools/', () => {
    const files = productFiles()
    expect(files.length).toBeGreaterThan(100)
    const offending: string[] = []
    for (const file of files) {
      for (const spec of specifiersOf(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
        const to = target(file, spec)
        if (to !== null && (to === 'tools' || to.startsWith(`tools${path.sep}`))) offending.push(`${file} imports ${spec}`)
      }
    }
    expect(offending).toEqual([])
  })
})
