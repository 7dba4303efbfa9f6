// Reads a QR code from a video frame: the browser's BarcodeDetector where it has one (Android, ChromeOS, macOS), else
// jsQR on the frame (loaded only when needed, precached for offline use). Used by the QR screen and by kiosk mode when
// it asks a member for their code as a second factor.

/** The part of the Shape Detection API used here (not in TypeScript's DOM library yet). */
interface BarcodeDetectorLike {
  detect: (source: CanvasImageSource) => Promise<{ rawValue: string }[]>
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike
  getSupportedFormats: () => Promise<string[]>
}

/** Frames are scaled to this width for jsQR: a phone screen held at the kiosk is large in the frame. */
const SCAN_WIDTH = 640

export interface QrReader {
  kind: 'native' | 'jsqr'
  /** The text of a QR code in the video's current frame, or null. */
  read: (video: HTMLVideoElement) => Promise<string | null>
}

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

export async function createQrReader(): Promise<QrReader> {
  const detector = await nativeDetector()
  if (detector) return { kind: 'native', read: async (video) => (await detector.detect(video))[0]?.rawValue ?? null }
  const decode = await jsqrDecoder()
  return { kind: 'jsqr', read: async (video) => decode(video) }
}
