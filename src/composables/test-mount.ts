// For unit tests of composables: runs a setup function inside a mounted component (so inject, lifecycle hooks and
// plugins work) with a renderer that draws nothing, in Node without a DOM.
import { type App, createRenderer, defineComponent, type Plugin } from 'vue'

const { createApp } = createRenderer<object, object>({
  createElement: () => ({}),
  createText: () => ({}),
  createComment: () => ({}),
  insert: () => {},
  remove: () => {},
  patchProp: () => {},
  setText: () => {},
  setElementText: () => {},
  parentNode: () => null,
  nextSibling: () => null,
})

/** Mounts a component whose setup returns `setup()`'s result; `unmount` runs its unmount hooks. */
export function mountComposable<T>(setup: () => T, plugins: Plugin[] = []): { result: T; app: App; unmount: () => void } {
  let result!: T
  const app = createApp(defineComponent({ setup: () => {
    result = setup()
    return () => null
  } }))
  for (const plugin of plugins) app.use(plugin)
  app.mount({})
  return { result, app, unmount: () => app.unmount() }
}
