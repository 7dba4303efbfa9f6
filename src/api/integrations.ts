// Dashboard calls for the organization's integrations: API tokens and webhooks (docs/api.md, "Integrations").
// `:id` is always the active organization. Types come from the server's routes (see ./client.ts).
import { type AnswerOf, call, routes } from './client'

const org = routes.organizations[':id']
const p = (id: string) => ({ param: { id } })

export const listTokens = async (id: string) => (await call(org['api-tokens'].$get(p(id)))).tokens
export type ApiToken = AnswerOf<typeof listTokens>[number]
export type NewToken = Parameters<(typeof org)['api-tokens']['$post']>[0]['json']
/** A new token; its secret (`token`) is in this answer only. */
export const createToken = (id: string, token: NewToken) => call(org['api-tokens'].$post({ ...p(id), json: token }))
export type CreatedToken = AnswerOf<typeof createToken>
export const revokeToken = (id: string, tokenId: string) => call(org['api-tokens'][':tokenId'].$delete({ param: { id, tokenId } }))

export const listWebhooks = (id: string) => call(org.webhooks.$get(p(id)))
export type Webhook = AnswerOf<typeof listWebhooks>['webhooks'][number]
export type NewWebhook = Parameters<typeof org.webhooks.$post>[0]['json']
/** A new subscription; its signing secret is in this answer only. */
export const createWebhook = (id: string, hook: NewWebhook) => call(org.webhooks.$post({ ...p(id), json: hook }))
export type CreatedWebhook = AnswerOf<typeof createWebhook>
export type WebhookPatch = Parameters<(typeof org.webhooks)[':webhookId']['$patch']>[0]['json']
export const updateWebhook = (id: string, webhookId: string, patch: WebhookPatch) => call(org.webhooks[':webhookId'].$patch({ param: { id, webhookId }, json: patch }))
export const deleteWebhook = (id: string, webhookId: string) => call(org.webhooks[':webhookId'].$delete({ param: { id, webhookId } }))
export const listDeliveries = async (id: string, webhookId: string) =>
  (await call(org.webhooks[':webhookId'].deliveries.$get({ param: { id, webhookId }, query: {} }))).deliveries
export type WebhookDelivery = AnswerOf<typeof listDeliveries>[number]
export const replayDelivery = (id: string, webhookId: string, deliveryId: string) =>
  call(org.webhooks[':webhookId'].deliveries[':deliveryId'].replay.$post({ param: { id, webhookId, deliveryId } }))
