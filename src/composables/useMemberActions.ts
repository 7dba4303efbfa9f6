// The confirmed actions of a member's detail page: deactivate, reactivate, delete the face data (the member withdrew
// consent), delete the member. One is pending while its dialog asks; confirming runs it and says what happened.
import { computed, type Ref, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useRouter } from 'vue-router'
import { deleteMemberFaceData } from '~/api/attendance'
import { deleteMember, type MemberDetail, updateMember } from '~/api/members-admin'

export type MemberAction = 'deactivate' | 'reactivate' | 'face' | 'delete'

/** What the page says after an action, kept as a message key so a language switch re-translates it. */
export interface MemberNotice {
  key: string
  params: Record<string, unknown>
}

export function useMemberActions(organizationId: Readonly<Ref<string>>, member: Readonly<Ref<MemberDetail | null>>, options: { notice: Ref<MemberNotice | null>; reload: () => Promise<void> }) {
  const { t } = useI18n()
  const router = useRouter()
  const { notice } = options
  const pending = ref<MemberAction | null>(null)
  const busy = ref(false)
  const failure = ref<unknown>(null)

  function ask(action: MemberAction): void {
    failure.value = null
    notice.value = null
    pending.value = action
  }

  const dialog = computed(() => {
    const name = member.value?.name ?? ''
    switch (pending.value) {
      case 'deactivate':
        return { title: t('dashMembers.detail.deactivateTitle', { name }), text: t('dashMembers.detail.deactivateText'), submit: t('dashMembers.detail.deactivate'), danger: false }
      case 'reactivate':
        return { title: t('dashMembers.detail.reactivateTitle', { name }), text: t('dashMembers.detail.reactivateText'), submit: t('dashMembers.detail.reactivate'), danger: false }
      case 'face':
        return { title: t('profile.adminFace.title', { name }), text: t('profile.adminFace.text'), submit: t('profile.adminFace.confirm'), danger: true }
      case 'delete':
        return {
          title: t('dashMembers.detail.deleteTitle', { name }),
          text: t('dashMembers.detail.deleteText'),
          submit: member.value?.status === 'active' ? t('dashMembers.detail.deleteActiveConfirm') : t('dashMembers.detail.deleteConfirm'),
          danger: true,
        }
      default:
        return { title: '', text: '', submit: '', danger: false }
    }
  })

  async function confirm(): Promise<void> {
    const current = member.value
    const action = pending.value
    if (!current || !action) return
    busy.value = true
    failure.value = null
    try {
      if (action === 'deactivate' || action === 'reactivate') {
        await updateMember(organizationId.value, current.id, { status: action === 'deactivate' ? 'inactive' : 'active' })
        notice.value = { key: action === 'deactivate' ? 'dashMembers.detail.deactivated' : 'dashMembers.detail.reactivated', params: { name: current.name } }
      } else if (action === 'face') {
        await deleteMemberFaceData(organizationId.value, current.id)
        notice.value = { key: 'profile.adminFace.done', params: { name: current.name } }
      } else {
        // Deletion is for deactivated members: deactivating first is the reversible step, and signs them out.
        if (current.status === 'active') await updateMember(organizationId.value, current.id, { status: 'inactive' })
        await deleteMember(organizationId.value, current.id)
        pending.value = null
        await router.push({ name: 'admin-members', query: { deleted: current.name } })
        return
      }
      pending.value = null
      await options.reload()
    } catch (error) {
      failure.value = error
      void options.reload()
    } finally {
      busy.value = false
    }
  }

  return { pending, busy, failure, dialog, ask, confirm }
}
