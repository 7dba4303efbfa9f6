// `npm run -s test:stress [-- --quick]`: hostile input, sync under faults and the morning-rush load against the
// production server build (issue 6 items 2-4). The work is in tools/hardening/stress/main.ts (TypeScript, run with
// tsx so that it uses the PWA's own offline sync modules); the last line printed is one JSON summary.
import { spawn } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const child = spawn(process.execPath, ['--import', 'tsx', 'tools/hardening/stress/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' },
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
