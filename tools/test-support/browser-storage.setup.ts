// Setup of the unit project (vitest.config.ts): an in-memory IndexedDB in every worker before any test file's
// modules load. Test files share a worker's modules (isolate: false), and Dexie reads the IndexedDB it will use when
// it is first imported: a file importing Dexie before another file's `import 'fake-indexeddb/auto'` would otherwise
// leave every later file of that worker without one ("IndexedDB API missing").
import 'fake-indexeddb/auto'
