// The tiling geometry the tablet's and the server's group detection share (shared/face/tiles.ts): windows that cover
// the photo and hold every face up to the overlap whole, boxes moved from a window into the photo, faces cut by an
// inner window edge, and one box per face when several windows saw it.
import { describe, expect, it } from 'vitest'
import { boxIou } from '../attendance/roll-call'
import { containment, cutByTile, iou, mergeDuplicates, placeInPhoto, planTiles, type Tile, toPhoto } from './tiles'

const box = (x: number, y: number, width: number, height = width) => ({ x, y, width, height })

describe('planTiles', () => {
  it('covers the photo with tiles that overlap by at least the overlap, the last flush with the edge', () => {
    const tiles = planTiles(2048, 1152, 512, 128)
    const xs = [...new Set(tiles.map((t) => t.x))]
    const ys = [...new Set(tiles.map((t) => t.y))]
    expect(xs[0]).toBe(0)
    expect(xs[xs.length - 1]! + 512).toBe(2048)
    expect(ys[ys.length - 1]! + 512).toBe(1152)
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 512 - xs[i]!).toBeGreaterThanOrEqual(128)
    for (let i = 1; i < ys.length; i++) expect(ys[i - 1]! + 512 - ys[i]!).toBeGreaterThanOrEqual(128)
    expect(tiles).toHaveLength(xs.length * ys.length)
    // Every face up to the overlap's size lies whole inside some tile, wherever it is.
    for (let x = 0; x + 128 <= 2048; x += 37) {
      for (let y = 0; y + 128 <= 1152; y += 41) {
        expect(tiles.some((t) => x >= t.x && y >= t.y && x + 128 <= t.x + t.width && y + 128 <= t.y + t.height), `${x},${y}`).toBe(true)
      }
    }
  })

  it('stays inside the photo, row by row, at any photo size', () => {
    for (const [w, h] of [
      [2048, 1536],
      [2048, 2048],
      [1280, 892],
      [1500, 641],
    ] as const) {
      const tiles = planTiles(w, h, 640, 160)
      for (const t of tiles) expect(t.x >= 0 && t.y >= 0 && t.x + t.width <= w && t.y + t.height <= h).toBe(true)
      // Every pixel row and column is covered, and neighbours overlap by >= 160 px.
      const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b)
      const ys = [...new Set(tiles.map((t) => t.y))].sort((a, b) => a - b)
      expect(tiles).toHaveLength(xs.length * ys.length)
      expect(xs[0]).toBe(0)
      expect(ys[0]).toBe(0)
      expect(xs.at(-1)! + 640).toBe(w)
      expect(ys.at(-1)! + 640).toBe(h)
      for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 640 - xs[i]!).toBeGreaterThanOrEqual(160)
      for (let i = 1; i < ys.length; i++) expect(ys[i - 1]! + 640 - ys[i]!).toBeGreaterThanOrEqual(160)
      // Row by row: top to bottom, each row left to right.
      expect(tiles.map((t) => [t.y, t.x])).toEqual(ys.flatMap((y) => xs.map((x) => [y, x])))
    }
    expect(planTiles(2048, 1536, 640, 160)).toHaveLength(12)
  })

  it('is one tile for a photo smaller than a tile, and refuses an overlap as large as the tile', () => {
    expect(planTiles(400, 300, 512, 128)).toEqual([{ x: 0, y: 0, width: 400, height: 300 }])
    expect(planTiles(600, 604, 640, 160)).toEqual([{ x: 0, y: 0, width: 600, height: 604 }])
    expect(() => planTiles(2048, 2048, 128, 128)).toThrow(RangeError)
    expect(() => planTiles(100, 100, 64, 64)).toThrow(RangeError)
    expect(() => planTiles(100, 100, 64, -1)).toThrow(RangeError)
  })
})

describe('placing a tile’s detections in the photo', () => {
  const photo = { width: 1000, height: 1000 }

  it('moves a tile\'s boxes into the photo and marks those cut by an inner tile edge', () => {
    const tile: Tile = { x: 400, y: 0, width: 512, height: 512 }
    const placed = placeInPhoto([{ box: box(0, 100, 60), score: 0.9 }, { box: box(200, 100, 60), score: 0.8 }, { box: box(480, 0, 32), score: 0.7 }], tile, photo, { edge: 2 })
    expect(placed.map((p) => p.box.x)).toEqual([400, 600, 880])
    expect(placed.map((p) => p.cut)).toEqual([true, false, true])
    expect(placed.map((p) => p.found.score)).toEqual([0.9, 0.8, 0.7])
    // Edges of the photo itself cut nothing.
    expect(placeInPhoto([{ box: box(0, 0, 60), score: 0.9 }], { x: 0, y: 0, width: 512, height: 512 }, photo, { edge: 2 })[0]!.cut).toBe(false)
  })

  it('marks a face cut only at an inner tile edge, within `edge` px of it', () => {
    const wide = { width: 2048, height: 1536 }
    const tile: Tile = { x: 480, y: 0, width: 640, height: 640 }
    const cuts = [box(100, 100, 50), box(0, 100, 40), box(100, 0, 40), box(100, 600, 40)].map((b) => cutByTile(b, tile, wide, 6.4))
    expect(cuts).toEqual([false, true, false, true]) // the top edge is the photo's
    expect(cutByTile(box(6, 100, 40), tile, wide, 6.4)).toBe(true)
    expect(cutByTile(box(7, 100, 40), tile, wide, 6.4)).toBe(false)
    expect(cutByTile(box(2, 100, 40), tile, wide, 2)).toBe(true)
    expect(cutByTile(box(3, 100, 40), tile, wide, 2)).toBe(false)
    // The last tile of a row: its right edge is the photo's.
    expect(cutByTile(box(600, 100, 40), { x: 1408, y: 0, width: 640, height: 640 }, wide, 6.4)).toBe(false)
  })

  it('offsets by the tile, then scales (pixels of a scaled-down photo back to the photo\'s own)', () => {
    const tile: Tile = { x: 100, y: 0, width: 640, height: 640 }
    const [scaled] = placeInPhoto([{ box: box(10, 20, 30) }], tile, { width: 2048, height: 1536 }, { edge: 6.4, scale: 2 })
    expect(scaled!.box).toEqual({ x: 220, y: 40, width: 60, height: 60 })
    expect(toPhoto({ x: 25, y: 35 }, tile, 2)).toEqual({ x: 250, y: 70 })
    expect(toPhoto({ x: 125, y: 125 }, { x: 480, y: 0, width: 640, height: 640 })).toEqual({ x: 605, y: 125 })
  })
})

describe('overlap', () => {
  it('IoU and containment of two boxes', () => {
    expect(iou(box(0, 0, 10), box(0, 0, 10))).toBe(1)
    expect(iou(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(50 / 150)
    expect(iou(box(0, 0, 10), box(10, 0, 10))).toBe(0)
    expect(iou(box(0, 0, 0), box(0, 0, 0))).toBe(0)
    expect(containment(box(0, 0, 100), box(10, 10, 20))).toBe(1)
    expect(containment(box(0, 0, 100), box(90, 0, 20))).toBeCloseTo(0.5)
  })

  it('is the roll-call\'s own IoU (one for the tablet, the server and the wire format)', () => {
    expect(boxIou).toBe(iou)
  })
})

describe('mergeDuplicates', () => {
  const c = (b: ReturnType<typeof box>, score: number, cut = false) => ({ box: b, score, cut })

  it('keeps one face seen twice (whole face first, then the higher score) and keeps neighbours apart', () => {
    const merged = mergeDuplicates(
      [
        c(box(100, 100, 50), 0.7), // seen by two tiles: kept once, the higher score
        c(box(102, 101, 50), 0.9),
        c(box(300, 100, 50), 0.99, true), // cut at a tile edge, stronger than its whole version: the whole one wins
        c(box(290, 100, 70), 0.8),
        c(box(160, 100, 50), 0.6), // a neighbour touching the first face: a face of its own
      ],
      { sameFaceIou: 0.4, contained: 0.6, containedOnlyWhenCut: true },
    )
    expect(merged.map((f) => [f.box.x, f.score])).toEqual([
      [102, 0.9],
      [290, 0.8],
      [160, 0.6],
    ])
  })

  it('a box mostly inside a kept one is that face: always, or only when one of the two is cut', () => {
    // A whole small box inside a whole large one (IoU 0.25): one face, or two when containment counts only for cut faces.
    const candidates = [c(box(100, 100, 100), 0.9), c(box(120, 120, 50), 0.8)]
    expect(mergeDuplicates(candidates, { sameFaceIou: 0.3, contained: 0.6, containedOnlyWhenCut: false }).map((f) => f.score)).toEqual([0.9])
    expect(mergeDuplicates(candidates, { sameFaceIou: 0.3, contained: 0.6, containedOnlyWhenCut: true }).map((f) => f.score)).toEqual([0.9, 0.8])
    // Cut: the same face either way.
    const cut = [c(box(100, 100, 100), 0.9), c(box(120, 120, 50), 0.95, true)]
    expect(mergeDuplicates(cut, { sameFaceIou: 0.3, contained: 0.6, containedOnlyWhenCut: true }).map((f) => f.score)).toEqual([0.9])
  })

  it('keeps what it was given (any extra fields), in the order taken; equal candidates keep their order', () => {
    const a = { ...c(box(0, 0, 10), 0.5), label: 'a' }
    const b = { ...c(box(100, 0, 10), 0.5), label: 'b' }
    const d = { ...c(box(200, 0, 10), 0.7, true), label: 'd' }
    expect(mergeDuplicates([d, a, b], { sameFaceIou: 0.3, contained: 0.6, containedOnlyWhenCut: false }).map((f) => f.label)).toEqual(['a', 'b', 'd'])
  })
})
