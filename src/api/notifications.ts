// The signed-in person's notifications (docs/api.md, "Notifications"): what they receive, in which language, and this
// browser's Web Push subscription.
import { call, routes } from './client'
import type { AnswerOf } from './client'

export { NOTIFICATION_KINDS, type NotificationKind, type NotificationLanguage } from '@shared/notifications/kinds'

const api = routes.notifications

export const getNotificationSettings = () => call(api.settings.$get())
export type NotificationSettings = AnswerOf<typeof getNotificationSettings>
export type NotificationSettingsPatch = Parameters<typeof api.settings.$put>[0]['json']
export const saveNotificationSettings = (json: NotificationSettingsPatch) => call(api.settings.$put({ json }))
export type PushSubscriptionJson = Parameters<(typeof api)['push-subscriptions']['$post']>[0]['json']
export const savePushSubscription = (json: PushSubscriptionJson) => call(api['push-subscriptions'].$post({ json }))
export const removePushSubscription = (endpoint: string) => call(api['push-subscriptions'].remove.$post({ json: { endpoint } }))
