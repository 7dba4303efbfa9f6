import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { manifestBytes } from './faceapi-load'

const models = path.resolve('node_modules/@vladmandic/face-api/model')

describe('manifestBytes', () => {
  it('predicts the exact size of the weight shards the app downloads', () => {
    for (const model of ['tiny_face_detector_model', 'face_landmark_68_model']) {
      const manifest = JSON.parse(fs.readFileSync(path.join(models, `${model}-weights_manifest.json`), 'utf8'))
      const shards = (manifest as { paths: string[] }[]).flatMap((g) => g.paths).reduce((n, p) => n + fs.statSync(path.join(models, p)).size, 0)
      expect(manifestBytes(manifest), model).toBe(shards)
    }
  })
})
