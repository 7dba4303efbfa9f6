// Realistic data for the benchmarks: Indonesian names and departments, and face descriptors drawn the way real ones
// scatter. The descriptor model is fitted, in the same run, to descriptors the server extracts from the real photos in
// ../shared/faces/people: their mean, how far apart different people are, and how far photos of one person scatter.
// (Descriptors are not unit vectors: their norm is what the real ones have.)
import fs from 'node:fs'
import path from 'node:path'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { l2Distance } from '../../shared/face/match'
import { ROOT } from './lib'

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

const FIRST = [
  'Siti', 'Dewi', 'Ayu', 'Nur', 'Rina', 'Putri', 'Fitri', 'Indah', 'Wulan', 'Ratna', 'Sri', 'Lestari', 'Nadia', 'Aisyah', 'Intan', 'Maya',
  'Budi', 'Agus', 'Andi', 'Bambang', 'Dedi', 'Eko', 'Hendra', 'Joko', 'Rudi', 'Slamet', 'Wahyu', 'Yusuf', 'Rizky', 'Fajar', 'Arif', 'Dimas',
  'Gilang', 'Hadi', 'Irfan', 'Kurniawan', 'Made', 'Nyoman', 'Ketut', 'Putu', 'Teguh', 'Taufik', 'Yoga', 'Bayu', 'Reza', 'Ilham', 'Farhan', 'Aditya',
]
const LAST = [
  'Rahmawati', 'Wijaya', 'Hakim', 'Saputra', 'Santoso', 'Pratama', 'Hidayat', 'Setiawan', 'Nugroho', 'Kusuma', 'Siregar', 'Nasution', 'Harahap',
  'Simanjuntak', 'Sihombing', 'Lubis', 'Wibowo', 'Susanto', 'Gunawan', 'Halim', 'Purnomo', 'Utami', 'Permata', 'Anggraini', 'Maharani', 'Sari',
  'Lestari', 'Firmansyah', 'Ramadhan', 'Syahputra', 'Tanjung', 'Daulay', 'Sinaga', 'Manurung', 'Pangaribuan', 'Suryadi', 'Hartono', 'Prasetyo',
]
export const DEPARTMENTS = ['Tata Usaha', 'Kurikulum', 'Kesiswaan', 'Keuangan', 'Sarana Prasarana', 'Perpustakaan', 'Laboratorium', 'Bimbingan Konseling', 'Keamanan', 'Kebersihan']

export function personName(rng: Rng): string {
  const name = `${rng.pick(FIRST)} ${rng.pick(LAST)}`
  return rng.next() < 0.2 ? `${name} ${rng.pick(LAST)}` : name
}

// ---------------------------------------------------------------- descriptors

export interface RealFace {
  identity: string
  file: string
  descriptor: Float32Array
}

export function facesDir(): string {
  const dir = path.resolve(ROOT, '..', 'shared', 'faces')
  if (!fs.existsSync(path.join(dir, 'people'))) throw new Error(`The face fixtures are missing: expected real photos in ${dir}/people (see its README).`)
  return dir
}

/** The real photos, identity by identity (at most `perIdentity` each). */
export function realPhotos(perIdentity = Infinity): { identity: string; file: string }[] {
  const people = path.join(facesDir(), 'people')
  return fs
    .readdirSync(people)
    .sort()
    .flatMap((identity) =>
      fs
        .readdirSync(path.join(people, identity))
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .slice(0, perIdentity)
        .map((f) => ({ identity, file: path.join(people, identity, f) })),
    )
}

/** Descriptors of the real photos, extracted by the server's own pipeline, and the time each extraction took. */
export async function realFaces(perIdentity: number, limit = Infinity): Promise<{ faces: RealFace[]; extractMs: number[]; modelLoadMs: number }> {
  const { describeSingleFace, loadFaceModels } = await import('../../server/face/inference')
  const t0 = performance.now()
  await loadFaceModels()
  const modelLoadMs = performance.now() - t0
  const faces: RealFace[] = []
  const extractMs: number[] = []
  for (const photo of realPhotos(perIdentity).slice(0, limit)) {
    const s = performance.now()
    const described = await describeSingleFace(fs.readFileSync(photo.file))
    extractMs.push(performance.now() - s)
    if (described.ok) faces.push({ ...photo, descriptor: described.descriptor })
  }
  return { faces, extractMs, modelLoadMs }
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

function meanOf(xs: readonly Float32Array[]): Float32Array {
  const m = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (const x of xs) for (let i = 0; i < m.length; i++) m[i] = (m[i] as number) + (x[i] as number) / xs.length
  return m
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0))

/** Fits the model: the mean descriptor, per-dimension spread of people, and the scatter of one person's photos. */
export function fitDescriptorModel(faces: readonly RealFace[]): DescriptorModel {
  const byPerson = new Map<string, Float32Array[]>()
  for (const f of faces) byPerson.set(f.identity, [...(byPerson.get(f.identity) ?? []), f.descriptor])
  const centres = [...byPerson.values()].map(meanOf)
  const mean = meanOf(centres)
  const between = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let i = 0; i < between.length; i++) between[i] = Math.sqrt(avg(centres.map((c) => ((c[i] as number) - (mean[i] as number)) ** 2)) * (centres.length / Math.max(1, centres.length - 1)))
  const withinSq: number[] = []
  for (const [k, list] of [...byPerson.values()].entries()) {
    if (list.length < 2) continue
    for (const d of list) for (let i = 0; i < FACE_DESCRIPTOR_LENGTH; i++) withinSq.push((((d[i] as number) - (centres[k]![i] as number)) ** 2 * list.length) / (list.length - 1))
  }
  const same: number[] = []
  const other: number[] = []
  for (let a = 0; a < faces.length; a++) {
    for (let b = a + 1; b < faces.length; b++) (faces[a]!.identity === faces[b]!.identity ? same : other).push(l2Distance(faces[a]!.descriptor, faces[b]!.descriptor))
  }
  return {
    mean,
    between,
    within: Math.sqrt(avg(withinSq)),
    real: { norm: avg(faces.map((f) => norm(f.descriptor))), samePerson: avg(same), otherPerson: avg(other) },
  }
}

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
    return { norm: avg(faces.map((f) => norm(f.descriptor))), samePerson: avg(same), otherPerson: avg(other) }
  }
}
