// A camera frame's pixels as the detector's input: RGB as int32 (what tf.browser.fromPixels makes), written into a
// buffer that is reused frame after frame.
//
// On the WASM backend, fromPixels allocates a new Int32Array for every frame: 3.7 MB at 640x480, freed again at the
// next garbage collection. Fresh memory is paid for page by page (~900 page faults a frame at that size, each one costly
// on a small virtual machine and not free on a phone) and then by the collector. A camera screen analyses frame after
// frame for as long as it is open (a kiosk at a gate, all day), so the buffer is kept instead.
//
// Used on the WASM backend only (src/face/pipeline.ts): WebGL has a FromPixels kernel of its own that uploads the
// pixels to a texture as they are. WASM copies the values into its heap when the tensor is made; still, a buffer is lent
// to one frame and given back only after that frame's tensor is disposed, and a second frame analysed while the first
// holds it gets a buffer of its own.

/** Copies the RGB of RGBA pixels (`rgba.length` = 4 x the pixel count) into `into` (3 x the pixel count). */
export function rgbOf(rgba: ArrayLike<number>, into: Int32Array): Int32Array {
  const count = into.length / 3
  if (rgba.length !== count * 4) throw new Error(`pixels: ${rgba.length} RGBA values for ${count} pixels`)
  for (let p = 0, i = 0, j = 0; p < count; p++, i += 3, j += 4) {
    into[i] = rgba[j]!
    into[i + 1] = rgba[j + 1]!
    into[i + 2] = rgba[j + 2]!
  }
  return into
}

/** One spare RGB buffer, lent to a frame and given back once its tensor is disposed. */
export class RgbBuffers {
  private spare: Int32Array | null = null

  /** A buffer for width x height pixels: the spare one when it fits and nobody holds it, else a new one. */
  take(width: number, height: number): Int32Array {
    const size = width * height * 3
    const buffer = this.spare?.length === size ? this.spare : new Int32Array(size)
    this.spare = null
    return buffer
  }

  /** The frame's tensor is disposed: its buffer is the spare again. */
  give(buffer: Int32Array): void {
    this.spare = buffer
  }
}
