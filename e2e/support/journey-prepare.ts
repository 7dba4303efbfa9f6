// Run by e2e/journey.spec.ts in a child process (tsx), so the face work (video rendering, Node inference) runs while
// the browser walks through the first step: `tsx e2e/support/journey-prepare.ts <out.json>`.
import fs from 'node:fs'
import { prepareFaces } from './journey-faces'

const out = process.argv[2]
if (!out) throw new Error('usage: journey-prepare.ts <out.json>')
const started = Date.now()
const prepared = await prepareFaces()
fs.writeFileSync(out, JSON.stringify({ ...prepared, ms: Date.now() - started }))
