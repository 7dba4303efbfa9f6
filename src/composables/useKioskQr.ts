// Reads the QR code a member holds up to the kiosk's camera: the browser's BarcodeDetector where it has one (Android,
// ChromeOS, macOS), else jsQR on the camera frames (loaded only when needed, precached for offline use).
import { ref, type Ref } from 'vue'
import { useKioskCamera } from './useKioskCamera'

/** The part of the Shape Detection API used here (not in TypeScript's DOM library yet). */
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats(): Promise<string[]>
}

/** Frames are scaled to this width for jsQR: a phone screen held at the kiosk is large in the frame. */
const SCAN_WIDTH = 640

export function useKioskQr(video: Ref<HTMLVideoElement | null>, onText: (text: string) => void | Promise<void>) {
  const reader = ref<'native' | 'jsqr' | null>(null)
  let detector: BarcodeDetectorLike | null = null
  let decode: ((video: HTMLVideoElement) => string | null) | null = null

  async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
    const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector
    if (!Detector) return null
    try {
      return (await Detector.getSupportedFormats()).includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : null
    } catch {
      return null
    }
  }

  async function jsqrDecoder(): Promise<(video: HTMLVideoElement) => string | null> {
    const { default: jsQR } = await import('jsqr')
    const canvas = document.createElement('canvas')
    const context = canvas.getContext('2d', { willReadFrequently: true })
    if (!context) throw new Error('no 2D canvas')
    return (element) => {
      const scale = Math.min(1, SCAN_WIDTH / element.videoWidth)
      const width = Math.round(element.videoWidth * scale)
      const height = Math.round(element.videoHeight * scale)
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width
        canvas.height = height
      }
      context.drawImage(element, 0, 0, width, height)
      const pixels = context.getImageData(0, 0, width, height)
      return jsQR(pixels.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null
    }
  }

  const camera = useKioskCamera(video, {
    intervalMs: 120,
    async prepare(progress) {
      detector = await nativeDetector()
      if (!detector) decode = await jsqrDecoder()
      reader.value = detector ? 'native' : 'jsqr'
      progress(1)
    },
    async analyse(element) {
      const text = detector ? ((await detector.detect(element))[0]?.rawValue ?? null) : (decode?.(element) ?? null)
      if (text) await onText(text)
    },
  })

  return { ...camera, reader }
}
