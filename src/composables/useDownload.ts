import { ref } from 'vue'
import { downloadExport } from '~/api/reports'

/** One export download at a time: which one is running, the file name it saved, or why it failed. */
export function useDownload() {
  const downloading = ref<string | null>(null)
  const failure = ref<unknown>(null)
  const downloaded = ref<string | null>(null)

  async function download(kind: string, url: string, fallbackName: string): Promise<void> {
    downloading.value = kind
    failure.value = null
    downloaded.value = null
    try {
      downloaded.value = await downloadExport(url, fallbackName)
    } catch (error) {
      failure.value = error
    } finally {
      downloading.value = null
    }
  }

  return { downloading, failure, downloaded, download }
}
