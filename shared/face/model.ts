// Which face recognition model Hadir's descriptors come from (issue 14; decision and numbers: server/face/MODEL.md).
// Plain TypeScript: the browser, the server and the tests read the same constants. A descriptor is only ever compared
// with descriptors of the same model: stored templates carry the model's id, and templates of another model are
// re-derived from their photos or the member registers again (never mixed).

export const FACE_MODEL = Object.freeze({
  /** Stored with every template (member_face_data.model). */
  id: 'arcface-fp1',
  /** The file the build serves at /models/ and the server reads (scripts/face-model.mjs fetches it). */
  file: 'arcface-fr_feature.onnx',
  /** Descriptor length: unit-length float32 vectors. */
  length: 512,
})

/** The model of the templates stored before issue 14 (face-api's 128-d descriptor). */
export const LEGACY_FACE_MODEL_ID = 'faceapi-128'
