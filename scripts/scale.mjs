// `npm run -s test:scale [-- --quick]`: three production servers on one PostgreSQL and one S3 server behind a
// round-robin proxy (issue 20 item 3). The work is in tools/scale/main.ts (TypeScript, run with tsx so that the
// simulated phones use the PWA's own offline sync modules); the last line printed is one JSON summary.
import { spawn } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scale/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' },
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
