import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const THEME_COLOR = '#0f766e'

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
  plugins: [
    vue(),
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
        globPatterns: ['**/*.{js,css,html,svg}', 'icons/apple-touch-icon.png'],
        // The dashboard and the one-time setup are desktop, online surfaces: phones and kiosks must not fetch them.
        globIgnores: ['**/assets/admin-*', '**/assets/setup-*', '**/icons/README*'],
      },
      devOptions: { enabled: false },
    }),
  ],
})
