// `npm run bench`: every benchmark, one after another; each prints its own JSON line, then a combined one.
import { execFileSync } from 'node:child_process'

const runs: Record<string, string[]> = {
  face: ['server/face/bench.ts', '--gallery', '100000'],
  sync: ['server/bench/sync.ts', '--records', '2000'],
}
const summary: Record<string, unknown> = {}
for (const [name, args] of Object.entries(runs)) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  process.stdout.write(out)
  const last = out.trim().split('\n').pop() ?? '{}'
  summary[name] = JSON.parse(last)
}
console.log(JSON.stringify({ date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, ...summary }))
