// Renders the PWA icons in public/ from the SVG sources in src/assets/. Run once after changing the mark:
//   node tools/generate-icons.mjs
// The PNGs are committed, so building the app never needs sharp.
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const root = fileURLToPath(new URL('..', import.meta.url))
const icon = await readFile(`${root}src/assets/icon.svg`)
const maskable = await readFile(`${root}src/assets/icon-maskable.svg`)

const outputs = [
  { source: icon, size: 192, file: 'icon-192.png' },
  { source: icon, size: 512, file: 'icon-512.png' },
  // Launchers crop maskable icons and iOS rounds its own corners: both need a full-bleed square.
  { source: maskable, size: 512, file: 'maskable-512.png' },
  { source: maskable, size: 180, file: 'apple-touch-icon.png' },
]

await mkdir(`${root}public/icons`, { recursive: true })
for (const { source, size, file } of outputs) {
  await sharp(source, { density: Math.ceil((72 * size) / 512) * 2 })
    .resize(size, size)
    // A 256-colour palette: the flat icon looks the same at a third of the bytes (every install and first visit fetches them).
    .png({ compressionLevel: 9, palette: true, quality: 100, effort: 10 })
    .toFile(`${root}public/icons/${file}`)
  console.log(`public/icons/${file}`)
}
await copyFile(`${root}src/assets/icon.svg`, `${root}public/favicon.svg`)
console.log('public/favicon.svg')
