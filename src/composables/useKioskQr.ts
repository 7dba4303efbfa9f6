// Reads the QR code a member holds up to the kiosk's camera (src/kiosk/qr-reader.ts), frame after frame.
import { ref, type Ref } from 'vue'
import { createQrReader, type QrReader } from '~/kiosk/qr-reader'
import { useKioskCamera } from './useKioskCamera'

export function useKioskQr(video: Ref<HTMLVideoElement | null>, onText: (text: string) => void | Promise<void>) {
  const reader = ref<QrReader['kind'] | null>(null)
  let qr: QrReader | null = null

  const camera = useKioskCamera(video, {
    intervalMs: 120,
    async prepare(progress) {
      qr = await createQrReader()
      reader.value = qr.kind
      progress(1)
    },
    async analyse(element) {
      const text = qr ? await qr.read(element) : null
      if (text) await onText(text)
    },
  })

  return { ...camera, reader }
}
