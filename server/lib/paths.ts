import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder holding package.json, found from this file whether it runs from server/ or bundled in dist/. */
function findRoot(start: string): string {
  let dir = start
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return process.cwd()
    dir = parent
  }
}

export const appRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)))
export const migrationsDir = path.join(appRoot, 'migrations')
export const distDir = path.join(appRoot, 'dist', 'client')
