// The petugas tablet's views (kiosk), one chunk ("petugas").
export { default as DeviceEnrol } from '~/views/petugas/DeviceEnrol.vue'
export { default as KioskMode } from '~/views/petugas/KioskMode.vue'
export { default as MemberRecord } from '~/views/petugas/MemberRecord.vue'
export { default as MemberSearch } from '~/views/petugas/MemberSearch.vue'
export { default as PetugasHome } from '~/views/petugas/PetugasHome.vue'
export { default as PetugasLayout } from '~/views/petugas/PetugasLayout.vue'
export { default as PetugasLogin } from '~/views/petugas/PetugasLogin.vue'
export { default as QrScan } from '~/views/petugas/QrScan.vue'
