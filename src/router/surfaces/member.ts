// The member app's views (phone), one chunk ("member").
export { default as InviteRedeem } from '~/views/member/InviteRedeem.vue'
export { default as MemberHome } from '~/views/member/MemberHome.vue'
export { default as MemberLayout } from '~/views/member/MemberLayout.vue'
export { default as MemberLogin } from '~/views/member/MemberLogin.vue'
