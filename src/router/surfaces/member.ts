// The member app's views (phone), one chunk ("member"). The face camera is a chunk of its own, loaded by FaceRegister,
// CheckIn and the face sign-in; the QR code library is one too (MyQr).
export { default as AttendanceHistory } from '~/views/member/AttendanceHistory.vue'
export { default as CheckIn } from '~/views/member/CheckIn.vue'
export { default as FaceConsent } from '~/views/member/FaceConsent.vue'
export { default as FaceProfile } from '~/views/member/FaceProfile.vue'
export { default as FaceRegister } from '~/views/member/FaceRegister.vue'
export { default as InviteRedeem } from '~/views/member/InviteRedeem.vue'
export { default as LeaveRequests } from '~/views/member/LeaveRequests.vue'
export { default as MemberHome } from '~/views/member/MemberHome.vue'
export { default as MemberLayout } from '~/views/member/MemberLayout.vue'
export { default as MemberLogin } from '~/views/member/MemberLogin.vue'
export { default as MemberProfile } from '~/views/member/MemberProfile.vue'
export { default as MyQr } from '~/views/member/MyQr.vue'
