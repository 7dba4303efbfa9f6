// Starts the face worker from the TypeScript sources (tests, tsx, the bench): registers tsx's loader in this thread,
// then loads face.worker.ts. The production bundle starts dist/server/face-worker.js instead (server/face/pool.ts).
// A plain .mjs file, so Node can load it before any TypeScript loader exists in the thread (on Node 20, a loader given
// with `execArgv: ['--import', 'tsx']` does not apply to a worker's own entry file).
import { register } from 'tsx/esm/api'

register()
await import('./face.worker.ts')
