import { defineAsyncComponent } from 'vue'
import { loadOnlineMessages } from '~/modules/i18n'

/**
 * The notification settings as the profile and the dashboard's "my notifications" show them: online-only and never
 * precached (vite.config.ts ONLINE_ONLY, a push subscription needs the network anyway), their messages loaded first.
 */
export const NotificationSettings = defineAsyncComponent(() => loadOnlineMessages().then(() => import('./NotificationSettings.vue')))
