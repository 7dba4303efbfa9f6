import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { FACE_MODEL } from './shared/face/model'
// @ts-expect-error: a plain .mjs script without type declarations
import { ensureFaceModel } from './scripts/face-model.mjs'
import { precompress, summary } from './scripts/precompress.mjs'

const THEME_COLOR = '#0f766e'

// Face recognition runs in the browser from files of the npm packages, never from the internet: face-api's detector
// and landmark models are served at /models/ and the tfjs wasm binaries at /wasm/ (precached: every face screen needs
// them); the recognition model (scripts/face-model.mjs) at /models/ (not precached, nor is onnxruntime-web's WASM
// build, which vite emits under assets/: only the kiosk describes faces, src/face/recognizer.ts; the service worker
// keeps both once used).
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
  },
  worker: { format: 'es' },
  plugins: [
    vue(),
    faceAssets(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
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
        // The manifest and its icons are added by the plugin itself; listing them here too would precache them twice.
        // The face models and wasm binaries are precached too, so a phone or kiosk recognises faces offline after one
        // online visit. The recognition model and its runtime are left out (models/*.onnx, assets/*.wasm): only kiosks
        // need them (src/sw.ts keeps them once a kiosk has fetched them).
        globPatterns: ['**/*.{js,css,html,svg}', 'icons/apple-touch-icon.png', 'models/*.{json,bin}', 'wasm/*.wasm'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        // The dashboard and the one-time setup are desktop, online surfaces: phones and kiosks must not fetch them.
        // The .br/.gz siblings are the same files compressed for the network (written after this list is made).
        globIgnores: ['**/assets/admin-*', '**/assets/setup-*', '**/icons/README*', '**/*.br', '**/*.gz'],
      },
      devOptions: { enabled: false },
    }),
    precompressBuild(),
  ],
})
