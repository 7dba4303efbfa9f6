// The dashboard's views, bundled as one chunk ("admin") that only /admin/... loads.
export { default as AdminLayout } from '~/views/admin/AdminLayout.vue'
export { default as AdminLogin } from '~/views/admin/AdminLogin.vue'
export { default as AdminOverview } from '~/views/admin/AdminOverview.vue'
export { default as DeviceList } from '~/views/admin/DeviceList.vue'
export { default as MemberList } from '~/views/admin/MemberList.vue'
export { default as OrganizationSettings } from '~/views/admin/OrganizationSettings.vue'
export { default as SelectOrganization } from '~/views/admin/SelectOrganization.vue'
export { default as StaffList } from '~/views/admin/StaffList.vue'
