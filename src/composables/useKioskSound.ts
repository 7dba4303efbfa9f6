// The kiosk's sounds, for a gate where nobody reads small text (issue 18): a bright rising two-tone when a member is
// recorded (or told they already are), a low double buzz when a face is not recognised. Made with WebAudio (no files
// to download or cache). A tablet that never had a tap on this page may refuse to play: the sound is a bonus, the
// card's colour says the same.
import { onBeforeUnmount, ref } from 'vue'

export type KioskSound = 'success' | 'unknown'

interface Tone {
  frequency: number
  start: number
  duration: number
  type: OscillatorType
}

const TONES: Record<KioskSound, Tone[]> = {
  success: [
    { frequency: 880, start: 0, duration: 0.12, type: 'sine' },
    { frequency: 1320, start: 0.13, duration: 0.2, type: 'sine' },
  ],
  unknown: [
    { frequency: 220, start: 0, duration: 0.18, type: 'square' },
    { frequency: 196, start: 0.24, duration: 0.26, type: 'square' },
  ],
}

export function useKioskSound() {
  let context: AudioContext | null = null
  /** What was played last and how many times in all (the screen's data attributes; tests read them). */
  const last = ref<KioskSound | null>(null)
  const played = ref(0)

  function play(sound: KioskSound): void {
    last.value = sound
    played.value++
    try {
      context ??= new AudioContext()
      if (context.state === 'suspended') void context.resume().catch(() => undefined)
      const now = context.currentTime
      for (const tone of TONES[sound]) {
        const oscillator = context.createOscillator()
        const gain = context.createGain()
        oscillator.type = tone.type
        oscillator.frequency.value = tone.frequency
        // A short attack and release: no clicks.
        gain.gain.setValueAtTime(0, now + tone.start)
        gain.gain.linearRampToValueAtTime(sound === 'unknown' ? 0.12 : 0.3, now + tone.start + 0.01)
        gain.gain.setValueAtTime(sound === 'unknown' ? 0.12 : 0.3, now + tone.start + tone.duration - 0.03)
        gain.gain.linearRampToValueAtTime(0, now + tone.start + tone.duration)
        oscillator.connect(gain).connect(context.destination)
        oscillator.start(now + tone.start)
        oscillator.stop(now + tone.start + tone.duration + 0.02)
      }
    } catch (error) {
      console.warn('The kiosk could not play its sound:', error)
    }
  }

  onBeforeUnmount(() => void context?.close().catch(() => undefined))

  return { play, last, played }
}
