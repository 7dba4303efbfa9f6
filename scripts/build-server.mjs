// Bundles the server (TypeScript) into dist/server/*.js; npm packages stay external and load from node_modules.
import { build } from 'esbuild'

await build({
  entryPoints: { index: 'server/index.ts', 'seed-demo': 'server/seed/demo.ts' },
  outdir: 'dist/server',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __hadirRequire } from 'node:module'; const require = __hadirRequire(import.meta.url);" },
})
console.log('server bundled into dist/server')
