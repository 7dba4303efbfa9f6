// Realistic data for the benchmarks: Indonesian names and departments, and face descriptors drawn the way real ones
// scatter. The descriptor model is fitted, in the same run, to descriptors the server extracts from the real photos in
// ../shared/faces/people: their mean, how far apart different people are, and how far photos of one person scatter.
// (Descriptors are not unit vectors: their norm is what the real ones have.) The drawing itself is in descriptors.ts,
// which the browser benches bundle into their pages.
import fs from 'node:fs'
import path from 'node:path'
import { FACE_DESCRIPTOR_LENGTH } from '../../shared/face/descriptor'
import { l2Distance } from '../../shared/face/match'
import { average, type DescriptorModel, norm, type Rng } from './descriptors'
import { ROOT } from './lib'

export { type DescriptorModel, Rng, SyntheticFaces } from './descriptors'

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

function meanOf(xs: readonly Float32Array[]): Float32Array {
  const m = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (const x of xs) for (let i = 0; i < m.length; i++) m[i] = (m[i] as number) + (x[i] as number) / xs.length
  return m
}

/** Fits the model: the mean descriptor, per-dimension spread of people, and the scatter of one person's photos. */
export function fitDescriptorModel(faces: readonly RealFace[]): DescriptorModel {
  const byPerson = new Map<string, Float32Array[]>()
  for (const f of faces) byPerson.set(f.identity, [...(byPerson.get(f.identity) ?? []), f.descriptor])
  const centres = [...byPerson.values()].map(meanOf)
  const mean = meanOf(centres)
  const between = new Float32Array(FACE_DESCRIPTOR_LENGTH)
  for (let i = 0; i < between.length; i++) between[i] = Math.sqrt(average(centres.map((c) => ((c[i] as number) - (mean[i] as number)) ** 2)) * (centres.length / Math.max(1, centres.length - 1)))
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
    within: Math.sqrt(average(withinSq)),
    real: { norm: average(faces.map((f) => norm(f.descriptor))), samePerson: average(same), otherPerson: average(other) },
  }
}
