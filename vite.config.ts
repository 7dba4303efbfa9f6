import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { FACE_MODEL } from './shared/face/model.ts'
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureFaceModel } from './scripts/face-model.mjs'
import { precompress, summary } from './scripts/precompress.mjs'

const THEME_COLOR = '#0f766e'

// Face recognition runs in the browser from files of the npm packages, never from the internet: face-api's detector
// and landmark models are served at /models/ and the tfjs wasm binaries at /wasm/, the recognition model
// (scripts/face-model.mjs) at /models/ too (onnxruntime-web's WASM build is emitted under assets/: only the kiosk
// describes faces, src/face/recognizer.ts). None is precached: a device downloads them at its first face screen
// (src/face/runtime.ts, with progress) and the service worker keeps them (src/sw.ts).
const FACE_MODELS = ['tiny_face_detector_model', 'face_landmark_68_model']
const FACE_ASSET_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
}

function faceAssetFiles(): Map<string, string> {
  const require = createRequire(import.meta.url)
  const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`))
  const models = path.join(packageDir('@vladmandic/face-api'), 'model')
  const wasm = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')
  const files = new Map<string, string>()
  for (const model of FACE_MODELS) {
    const manifest = `${model}-weights_manifest.json`
    files.set(`models/${manifest}`, path.join(models, manifest))
    const groups = JSON.parse(fs.readFileSync(path.join(models, manifest), 'utf8')) as { paths: string[] }[]
    for (const shard of groups.flatMap((group) => group.paths)) files.set(`models/${shard}`, path.join(models, shard))
  }
  for (const name of fs.readdirSync(wasm).filter((f) => f.endsWith('.wasm'))) files.set(`wasm/${name}`, path.join(wasm, name))
  files.set(`models/${FACE_MODEL.file}`, ensureFaceModel({ quiet: false }))
  return files
}

/** Copies the face models and wasm binaries into the build; in dev, serves them straight from node_modules. */
function faceAssets(): Plugin {
  const files = faceAssetFiles()
  return {
    name: 'hadir-face-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = files.get(decodeURIComponent((req.url ?? '').split('?')[0] ?? '').replace(/^\//, ''))
        if (!file) return next()
        res.setHeader('Content-Type', FACE_ASSET_TYPES[path.extname(file)] ?? 'application/octet-stream')
        fs.createReadStream(file).pipe(res)
      })
    },
    generateBundle() {
      for (const [fileName, file] of files) this.emitFile({ type: 'asset', fileName, source: fs.readFileSync(file) })
    },
  }
}

type DeviceGroup = 'face' | 'recognition' | 'petugas'

/**
 * What a device downloads only when it needs it, by built file (assets/..., models/..., wasm/...): the face runtime
 * ('face': the face worker, which is also the page's fallback where module workers are unavailable, tfjs's WASM
 * builds, the detector's and landmarks' weights), the kiosk's recognition model and its ONNX runtime ('recognition'),
 * and the petugas surface's code that no member screen shares ('petugas'). Filled once the bundle is written.
 */
const deviceGroups = new Map<string, DeviceGroup>()
/**
 * Never precached, fetched when opened (online-only): the dashboard's and the setup's code, the dashboard's message
 * files (src/locales/<lang>/<area>.json), and the member screens that only work with the server anyway: their own data
 * (/m/data) and the notification settings (a push subscription needs the network). Offline, opening them shows "needs
 * the network" (src/modules/router.ts); the phone's first download stays within issue 16's budget.
 */
const onlineOnly = new Set<string>()
const ONLINE_ONLY = /\/src\/(locales\/\w+\/(attendance|members|reports|settings|integrations|notifications|mydata)\.json|views\/member\/MyData\.vue|components\/notifications\/NotificationSettings\.vue)$/

/** A string of face-api's own code (an error message of its extractFaceTensors), in every copy of it a build holds. */
const FACE_API_MARK = 'extractFaceTensors - expected image tensor'

/**
 * Fails the build unless exactly one of its scripts holds face-api (~1.3 MB with the tfjs it bundles): the face worker,
 * which the page's fallback loads too (src/face/face.worker.ts). An import of face-api from the page's code would add
 * a second copy in a chunk of its own (issue 16: one copy of face-api, not two).
 */
function oneFaceApi(outDir: string, scripts: string[]): void {
  const copies = scripts.filter((rel) => fs.readFileSync(path.join(outDir, rel), 'utf8').includes(FACE_API_MARK))
  if (copies.length !== 1 || !/^assets\/face\.worker-[\w-]+\.js$/.test(copies[0] ?? '')) {
    throw new Error(`expected face-api once in the build, in the face worker's script; found it in ${copies.length}: ${copies.join(', ') || 'none'}`)
  }
}

/**
 * /device-files.json: deviceGroups with each file's size, for the page to download a group with progress in words
 * (src/face/runtime.ts) and for the service worker, which precaches everything else, to keep them once fetched
 * (src/sw.ts: the precache entries carry their group, see manifestTransforms below).
 */
function deviceFiles(): Plugin {
  let outDir = ''
  return {
    name: 'hadir-device-files',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    writeBundle: {
      order: 'post',
      sequential: true,
      handler(_options, bundle) {
        deviceGroups.clear()
        const file = (rel: string) => ({ url: rel, bytes: fs.statSync(path.join(outDir, rel)).size })
        const list = (dir: string, test: RegExp) => fs.readdirSync(path.join(outDir, dir)).filter((f) => test.test(f)).sort().map((f) => `${dir}/${f}`)
        const workers = list('assets', /^face\.worker-[\w-]+\.js$/)
        if (workers.length !== 1) throw new Error(`expected one face worker in the build, found ${workers.length}`)
        oneFaceApi(outDir, list('assets', /\.js$/))
        const face = [...workers, ...list('wasm', /\.wasm$/), ...list('models', /\.(json|bin)$/)]
        // The ONNX runtime's chunk (the face worker imports it) and its WASM build, and the model.
        const recognition = [...list('models', /\.onnx$/), ...list('assets', /^ort[\w.-]*\.(js|wasm)$/)]
        // The petugas surface's chunks (and their CSS) that nothing reachable without it uses.
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk')
        const byName = new Map(chunks.map((c) => [c.fileName, c]))
        const surface = chunks.find((c) => c.isDynamicEntry && c.facadeModuleId?.endsWith('/src/router/surfaces/petugas.ts'))
        if (!surface) throw new Error('the petugas surface chunk (src/router/surfaces/petugas.ts) is not in the build')
        const closure = (roots: string[], skip: Set<string>) => {
          const seen = new Set<string>()
          const walk = (name: string) => {
            if (seen.has(name) || skip.has(name)) return
            const chunk = byName.get(name)
            if (!chunk) return
            seen.add(name)
            for (const next of [...chunk.imports, ...chunk.dynamicImports]) walk(next)
          }
          roots.forEach(walk)
          return seen
        }
        const surfaces = new Set(chunks.filter((c) => c.isDynamicEntry && /\/src\/router\/surfaces\/(petugas|admin|setup)\.ts$/.test(c.facadeModuleId ?? '')).map((c) => c.fileName))
        const core = closure(chunks.filter((c) => c.isEntry).map((c) => c.fileName), surfaces)
        const petugas = [...closure([surface.fileName], core)].flatMap((name) => [name, ...(byName.get(name)?.viteMetadata?.importedCss ?? [])])
        // What a phone or a kiosk never precaches: the chunks only the dashboard, the setup or an online-only screen
        // reach (ONLINE_ONLY's roots and whatever only they import), with their CSS. The rest of the member and shell
        // code is precached; the petugas code is its own device group.
        onlineOnly.clear()
        const online = new Set(chunks.filter((c) => ONLINE_ONLY.test(c.facadeModuleId ?? '')).map((c) => c.fileName))
        const kept = closure(chunks.filter((c) => c.isEntry).map((c) => c.fileName), new Set([...surfaces, ...online]))
        const petugasFiles = new Set(petugas)
        const css = (name: string): string[] => [...(byName.get(name)?.viteMetadata?.importedCss ?? [])]
        const keptCss = new Set([...kept, ...petugasFiles].flatMap(css))
        for (const c of chunks) {
          if (kept.has(c.fileName) || petugasFiles.has(c.fileName)) continue
          onlineOnly.add(c.fileName)
          for (const file of css(c.fileName)) if (!keptCss.has(file)) onlineOnly.add(file)
        }
        for (const f of face) deviceGroups.set(f, 'face')
        for (const f of recognition) deviceGroups.set(f, 'recognition')
        for (const f of petugas) if (!deviceGroups.has(f)) deviceGroups.set(f, 'petugas')
        const group = (g: DeviceGroup) => [...deviceGroups].filter(([, v]) => v === g).map(([f]) => f).sort().map(file)
        const manifest = {
          worker: workers.map(file),
          wasm: list('wasm', /\.wasm$/).map(file),
          models: list('models', /\.(json|bin)$/).map(file),
          recognition: group('recognition'),
          petugas: group('petugas'),
        }
        fs.writeFileSync(path.join(outDir, 'device-files.json'), `${JSON.stringify(manifest, null, 1)}\n`)
      },
    },
  }
}

/**
 * Once the whole build is written (the service worker too, which vite-plugin-pwa builds in its own closeBundle):
 * FILE.br and FILE.gz beside every compressible file, for server/static.ts to send (scripts/precompress.mjs).
 */
function precompressBuild(): Plugin {
  let outDir = ''
  return {
    name: 'hadir-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        console.log(summary(await precompress(outDir)))
      },
    },
  }
}

export default defineConfig({
  resolve: {
    alias: {
      '~': fileURLToPath(new URL('./src', import.meta.url)),
      '@shared': fileURLToPath(new URL('./shared', import.meta.url)),
    },
  },
  define: {
    // vue-i18n feature flags: composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:3100', changeOrigin: false } },
  },
  preview: {
    proxy: { '/api': { target: 'http://127.0.0.1:3100', changeOrigin: false } },
  },
  build: {
    // The server serves the PWA from dist/client (server/lib/paths.ts); its own bundle goes to dist/server.
    outDir: 'dist/client',
    emptyOutDir: true,
    // rolldown's notice of slow plugins (the precompression, vue's transforms on a busy machine) is not a problem a
    // newcomer should worry about (issue 18); real warnings are kept.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  // The same for the face worker's own bundle (onnxruntime's `new URL(..., import.meta.url)` takes a second or two).
  worker: { format: 'es', rolldownOptions: { checks: { bundlerTimings: false } } },
  plugins: [
    vue(),
    faceAssets(),
    deviceFiles(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      includeManifestIcons: false,
      manifest: {
        id: '/',
        name: 'Hadir',
        short_name: 'Hadir',
        description: 'Absensi dengan pengenalan wajah untuk banyak organisasi.',
        lang: 'id',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: '#f4f7f6',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // A classic script (the registration is classic in production): the 'es' format's build passes rolldown the
        // deprecated inlineDynamicImports option, whose warning every build printed. The worker imports nothing lazily.
        rollupFormat: 'iife',
        // The tab's icon (index.html) is precached; the manifest's 512 px icons and the iOS home-screen icon are not
        // (includeManifestIcons: false): a phone fetches one when the app is installed, online, and keeps it itself.
        // The files a device downloads only when it needs them (deviceGroups: the face runtime, the recognition model,
        // the petugas code) are listed too, tagged with their group: src/sw.ts precaches the rest and keeps each of
        // these the first time it is fetched, and knows from the list which versions to fetch again after an update.
        globPatterns: ['**/*.{js,css,html,svg}', 'icons/icon-192.png', 'device-files.json', 'models/*.{json,bin,onnx}', 'wasm/*.wasm', 'assets/ort-wasm*.wasm'],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        // The dashboard and the one-time setup are desktop, online surfaces: phones and kiosks must not fetch them.
        // The .br/.gz siblings are the same files compressed for the network (written after this list is made).
        globIgnores: ['**/assets/admin-*', '**/assets/setup-*', '**/icons/README*', '**/*.br', '**/*.gz'],
        manifestTransforms: [
          (entries) => ({
            manifest: entries.filter((e) => !onlineOnly.has(e.url)).map((e) => (deviceGroups.has(e.url) ? { ...e, group: deviceGroups.get(e.url) } : e)),
            warnings: [],
          }),
        ],
      },
      devOptions: { enabled: false },
    }),
    precompressBuild(),
  ],
})
