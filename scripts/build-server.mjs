// Bundles the server (TypeScript) into dist/server/*.js; npm packages stay external and load from node_modules.
// `--outdir DIR` writes the same bundle elsewhere (the stress runs, which must not replace a dist/ being served).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const at = process.argv.indexOf('--outdir')
const outdir = at >= 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist', 'server')

await build({
  entryPoints: {
    'index': path.join(root, 'server/index.ts'),
    'seed-demo': path.join(root, 'server/seed/demo.ts'),
    // The face-inference worker thread (server/face/pool.ts starts ./face-worker.js beside the bundle).
    'face-worker': path.join(root, 'server/face/face.worker.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: 'import { createRequire as __hadirRequire } from \'node:module\'; const require = __hadirRequire(import.meta.url);' },
})
console.log(`server bundled into ${path.relative(root, outdir) || outdir}`)
