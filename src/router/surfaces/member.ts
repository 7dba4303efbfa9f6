// The member app's views (phone), one chunk ("member"). The face camera is a chunk of its own, loaded by FaceRegister.
export { default as FaceConsent } from '~/views/member/FaceConsent.vue'
export { default as FaceProfile } from '~/views/member/FaceProfile.vue'
export { default as FaceRegister } from '~/views/member/FaceRegister.vue'
export { default as InviteRedeem } from '~/views/member/InviteRedeem.vue'
export { default as MemberHome } from '~/views/member/MemberHome.vue'
export { default as MemberLayout } from '~/views/member/MemberLayout.vue'
export { default as MemberLogin } from '~/views/member/MemberLogin.vue'
