import { BASE_URL } from './support/browser'
import { expect, test } from './support/fixtures'

// Issue 19: the API's interactive reference (/api/docs) renders the generated OpenAPI document in the browser, under
// the app's own Content-Security-Policy, with nothing fetched from another host (it works offline).

test('the API reference renders the OpenAPI document offline, under the app\'s CSP', async ({ page }) => {
  const violations: string[] = []
  const outside: string[] = []
  await page.exposeFunction('__cspViolation', (text: string) => violations.push(text))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (t: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`)
    })
  })
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text())
  })
  page.on('request', (request) => {
    const url = request.url()
    if (!url.startsWith(BASE_URL) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url)
  })
  await page.goto('/api/docs')
  await expect(page.getByRole('heading', { name: 'Hadir API' }).first()).toBeVisible()
  // The document's operations are listed by path (the first tag's, open at once: the organization's API tokens).
  // (a link or a button, as the reference's version draws its sidebar).
  const operation = /\/api\/organizations\/\{id\}\/api-tokens/
  await expect(page.getByRole('link', { name: operation }).or(page.getByRole('button', { name: operation })).first()).toBeAttached()
  await page.screenshot({ path: 'test-results/screenshots/api-docs.png' })
  expect(violations).toEqual([])
  expect(outside).toEqual([])
})
