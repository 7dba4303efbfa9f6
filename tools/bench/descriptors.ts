// Synthetic face descriptors for the benchmarks: a seedable random source and descriptors drawn the way real ones
// scatter, from a model fitted to the real photos (generators.ts fits it). No Node and no DOM imports: the browser
// benches bundle this file into their pages (browser/identify-page.ts) and draw the same kind of members there.
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { l2Distance } from '../../shared/face/match'

/** Park–Miller: small, seedable, reproducible. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = Math.abs(Math.floor(seed)) % 2147483647 || 1
  }

  next(): number {
    this.s = (this.s * 16807) % 2147483647
    return this.s / 2147483647
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  private spare: number | null = null
  private table: Float64Array | null = null
  private x = 0
  /**
   * Standard normal, fast: one of 65,536 Box–Muller samples drawn once, picked by a xorshift generator (the bench
   * draws tens of millions of them for its larger galleries).
   */
  quickGauss(): number {
    if (!this.table) {
      this.table = Float64Array.from({ length: 1 << 16 }, () => this.gauss())
      this.x = (this.s ^ 0x9E3779B9) | 1
    }
    let x = this.x
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.x = x
    return this.table[x & 0xFFFF] as number
  }

  /** Standard normal (Box–Muller, both values of each pair used). */
  gauss(): number {
    if (this.spare !== null) {
      const v = this.spare
      this.spare = null
      return v
    }
    const r = Math.sqrt(-2 * Math.log(this.next() || 1e-12))
    const t = 2 * Math.PI * this.next()
    this.spare = r * Math.sin(t)
    return r * Math.cos(t)
  }
}

export interface DescriptorModel {
  mean: Float32Array
  /** Per-dimension spread of people's centres around the mean. */
  between: Float32Array
  /** Per-dimension spread of one person's photos around their centre. */
  within: number
  /** What the real photos measure, for the report. */
  real: { norm: number; samePerson: number; otherPerson: number }
}

export const average = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
export const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0))

/** A synthetic person: their face's centre, and descriptors of "photos" of them scattered like real ones. */
export class SyntheticFaces {
  constructor(
    readonly model: DescriptorModel,
    private readonly rng: Rng,
  ) {}

  centre(): Float32Array {
    const { mean, between } = this.model
    const out = new Float32Array(FACE_DESCRIPTOR_LENGTH)
    for (let i = 0; i < out.length; i++) out[i] = (mean[i] as number) + this.rng.quickGauss() * (between[i] as number)
    return out
  }

  /** One capture of the person. */
  capture(centre: Float32Array): Float32Array {
    const within = this.model.within
    const out = new Float32Array(FACE_DESCRIPTOR_LENGTH)
    for (let i = 0; i < out.length; i++) out[i] = (centre[i] as number) + this.rng.quickGauss() * within
    return out
  }

  /** What the model gives, measured like the real photos (to print beside them). */
  check(people = 60, perPerson = 4): { norm: number; samePerson: number; otherPerson: number } {
    const faces = Array.from({ length: people }, (_, p) => {
      const c = this.centre()
      return Array.from({ length: perPerson }, () => ({ identity: String(p), file: '', descriptor: this.capture(c) }))
    }).flat()
    const same: number[] = []
    const other: number[] = []
    for (let a = 0; a < faces.length; a++) for (let b = a + 1; b < faces.length; b++) (faces[a]!.identity === faces[b]!.identity ? same : other).push(l2Distance(faces[a]!.descriptor, faces[b]!.descriptor))
    return { norm: average(faces.map((f) => norm(f.descriptor))), samePerson: average(same), otherPerson: average(other) }
  }
}
