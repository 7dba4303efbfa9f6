// `npm start`: builds the app when the sources are newer than the last build, then runs the built server.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ensureFaceModel } from './face-model.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
// The face recognition model (scripts/face-model.mjs): fetched through npm once, then kept.
ensureFaceModel()
const stamp = path.join(root, 'dist', '.build-stamp')
const sources = ['src', 'server', 'shared', 'public', 'migrations', 'index.html', 'vite.config.ts', 'package.json']

function newest(p) {
  if (!fs.existsSync(p)) return 0
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let max = st.mtimeMs
  for (const e of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, e)))
  return max
}

const built = fs.existsSync(stamp) && fs.existsSync(path.join(root, 'dist', 'server', 'index.js')) ? fs.statSync(stamp).mtimeMs : 0
const changed = Math.max(...sources.map((s) => newest(path.join(root, s))))
if (changed > built) {
  console.log(built ? 'Sources changed: rebuilding Hadir...' : 'First start: building Hadir (takes a minute)...')
  const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
  fs.writeFileSync(stamp, new Date().toISOString())
}

const child = spawn(process.execPath, [path.join(root, 'dist', 'server', 'index.js')], { cwd: root, stdio: 'inherit', env: { NODE_ENV: 'production', ...process.env } })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
