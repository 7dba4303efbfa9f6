import { hasPermission, type Permission } from '@shared/permissions'
import type { RouteLocationRaw, RouteRecordRaw } from 'vue-router'
import { loadDashboardMessages, loadOnlineMessages } from '~/modules/i18n'
import { useMobileStore } from '~/stores/mobile'

declare module 'vue-router' {
  interface RouteMeta {
    /** Which surface the route belongs to; decides where a lost session sends the person. */
    surface?: 'admin' | 'member' | 'petugas'
    /** The screen is for people who are signed out (login, invitation, enrolment). */
    guest?: boolean
    /** Dashboard routes that need an active organization and role. */
    needsActive?: boolean
    /** The permission a dashboard page needs (the API checks it again). */
    permission?: Permission
    /** The i18n key of the page title. */
    title?: string
  }
}

// One dynamic import per surface: each becomes one chunk (admin, member, petugas, setup), so a phone never
// downloads the dashboard and the service worker can leave the dashboard out of its precache.
// The dashboard's messages come with its code.
const admin = () => Promise.all([import('./surfaces/admin'), loadDashboardMessages()]).then(([views]) => views)
const member = () => import('./surfaces/member')
const petugas = () => import('./surfaces/petugas')
const setup = () => import('./surfaces/setup')

/**
 * A lazy route component of a surface. vue-router asks for all the components of a nested route at once and stops at
 * the first that fails (offline, a chunk not on this device): the others' failures are marked handled here, so one
 * failure reaches router.onError (modules/router.ts) instead of several unhandled rejections.
 */
function view<M, K extends keyof M>(load: () => Promise<M>, name: K): () => Promise<M[K]> {
  return () => {
    const component = load().then((m) => m[name])
    component.catch(() => undefined)
    return component
  }
}

/** A member-app page that needs a permission of the mobile session; without it the member lands on their home. */
function memberMay(permission: Permission): () => true | RouteLocationRaw {
  return () => {
    const me = useMobileStore().me
    return me && hasPermission(me.permissions, permission) ? true : { name: 'member-home' }
  }
}

/** A petugas page that needs a permission of the session (roll-call records others); without it, the petugas home. */
function petugasMay(permission: Permission): () => true | RouteLocationRaw {
  return () => {
    const me = useMobileStore().me
    return me && hasPermission(me.permissions, permission) ? true : { name: 'petugas-home' }
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'landing', component: () => import('~/views/LandingPage.vue') },
  { path: '/setup', name: 'setup', component: view(setup, 'SetupWizard'), meta: { title: 'setup.title' } },
  {
    path: '/admin/login',
    name: 'admin-login',
    component: view(admin, 'AdminLogin'),
    meta: { surface: 'admin', guest: true, title: 'admin.login.title' },
  },
  {
    path: '/admin/select-org',
    name: 'admin-select-org',
    component: view(admin, 'SelectOrganization'),
    meta: { surface: 'admin', title: 'admin.select.title' },
  },
  {
    path: '/admin',
    component: view(admin, 'AdminLayout'),
    meta: { surface: 'admin', needsActive: true },
    children: [
      { path: '', name: 'admin-overview', component: view(admin, 'AdminOverview'), meta: { title: 'admin.nav.overview' } },
      {
        path: 'members',
        name: 'admin-members',
        component: view(admin, 'MemberList'),
        meta: { permission: 'member:view', title: 'admin.nav.members' },
      },
      {
        path: 'devices',
        name: 'admin-devices',
        component: view(admin, 'DeviceList'),
        meta: { permission: 'settings:manage', title: 'admin.nav.devices' },
      },
      {
        path: 'staff',
        name: 'admin-staff',
        component: view(admin, 'StaffList'),
        meta: { permission: 'settings:manage', title: 'admin.nav.staff' },
      },
      {
        path: 'attendance',
        name: 'admin-attendance',
        component: view(admin, 'AttendanceList'),
        meta: { permission: 'attendance:record:view', title: 'dashAttendance.title' },
      },
      {
        path: 'leave',
        name: 'admin-leave',
        component: view(admin, 'LeaveRequests'),
        meta: { permission: 'attendance:record:view', title: 'leave.title' },
      },
      {
        path: 'corrections',
        name: 'admin-corrections',
        component: view(admin, 'CorrectionRequests'),
        meta: { permission: 'attendance:record:view', title: 'corrections.title' },
      },
      {
        path: 'reports',
        name: 'admin-reports',
        component: view(admin, 'ReportsView'),
        meta: { permission: 'report:generate', title: 'reports.title' },
      },
      {
        path: 'members/:memberId(\\d+)',
        name: 'admin-member',
        component: view(admin, 'MemberDetail'),
        meta: { permission: 'member:view', title: 'dashMembers.detail.title' },
      },
      {
        path: 'members/import',
        name: 'admin-member-import',
        component: view(admin, 'MemberImport'),
        meta: { permission: 'member:manage', title: 'dashMembers.import.title' },
      },
      {
        path: 'structure',
        name: 'admin-structure',
        component: view(admin, 'OrgStructure'),
        meta: { permission: 'member:view', title: 'dashMembers.structure.title' },
      },
      {
        path: 'roles',
        name: 'admin-roles',
        component: view(admin, 'RolesAdmin'),
        meta: { permission: 'settings:manage', title: 'dashSettings.roles.title' },
      },
      {
        path: 'sync-logs',
        name: 'admin-sync-logs',
        component: view(admin, 'SyncLogs'),
        meta: { permission: 'settings:manage', title: 'dashSettings.syncLogs.title' },
      },
      {
        path: 'audit',
        name: 'admin-audit',
        component: view(admin, 'AuditLog'),
        meta: { permission: 'settings:manage', title: 'dashSettings.audit.title' },
      },
      {
        path: 'integrations',
        name: 'admin-integrations',
        component: view(admin, 'IntegrationsAdmin'),
        meta: { permission: 'settings:manage', title: 'integrations.title' },
      },
      {
        path: 'overtime',
        name: 'admin-overtime',
        component: view(admin, 'OvertimeAdmin'),
        meta: { permission: 'attendance:record:view', title: 'dashAttendance.overtime.title' },
      },
      {
        path: 'shifts',
        name: 'admin-shifts',
        component: view(admin, 'ShiftsAdmin'),
        meta: { permission: 'member:view', title: 'dashMembers.shifts.title' },
      },
      {
        path: 'holidays',
        name: 'admin-holidays',
        component: view(admin, 'HolidaysAdmin'),
        meta: { permission: 'member:view', title: 'dashSettings.holidays.title' },
      },
      {
        path: 'notifications',
        name: 'admin-notifications',
        component: view(admin, 'MyNotifications'),
        meta: { title: 'admin.nav.notifications' },
      },
      {
        path: 'settings',
        name: 'admin-settings',
        component: view(admin, 'OrganizationSettings'),
        meta: { permission: 'settings:manage', title: 'admin.nav.settings' },
      },
    ],
  },
  {
    path: '/m',
    component: view(member, 'MemberLayout'),
    meta: { surface: 'member' },
    children: [
      { path: '', name: 'member-home', component: view(member, 'MemberHome'), meta: { title: 'member.home.title' } },
      {
        path: 'checkin',
        name: 'member-checkin',
        component: view(member, 'CheckIn'),
        meta: { title: 'checkin.title' },
        beforeEnter: memberMay('attendance:record:submit'),
      },
      {
        path: 'history',
        name: 'member-history',
        component: view(member, 'AttendanceHistory'),
        meta: { title: 'history.title' },
        beforeEnter: memberMay('attendance:record:view:own'),
      },
      {
        path: 'leave',
        name: 'member-leave',
        component: view(member, 'LeaveRequests'),
        meta: { title: 'leave.member.title' },
        beforeEnter: memberMay('attendance:record:submit'),
      },
      {
        path: 'corrections',
        name: 'member-corrections',
        component: view(member, 'CorrectionRequests'),
        meta: { title: 'corrections.member.title' },
        beforeEnter: memberMay('attendance:record:submit'),
      },
      {
        path: 'qr',
        name: 'member-qr',
        component: view(member, 'MyQr'),
        meta: { title: 'checkin.qr.title' },
        beforeEnter: memberMay('attendance:record:submit'),
      },
      { path: 'profile', name: 'member-profile', component: view(member, 'MemberProfile'), meta: { title: 'profile.title' } },
      // Online-only and not precached (vite.config.ts ONLINE_ONLY): it reads the server.
      { path: 'data', name: 'member-data', component: () => loadOnlineMessages().then(() => import('~/views/member/MyData.vue')), meta: { title: 'myData.title' } },
      { path: 'face', name: 'member-face', component: view(member, 'FaceProfile'), meta: { title: 'member.faceData.title' } },
      {
        path: 'face/consent',
        name: 'member-face-consent',
        component: view(member, 'FaceConsent'),
        meta: { title: 'member.consent.title' },
      },
      {
        path: 'face/register',
        name: 'member-face-register',
        component: view(member, 'FaceRegister'),
        meta: { title: 'member.register.title' },
      },
      {
        path: 'login',
        name: 'member-login',
        component: view(member, 'MemberLogin'),
        meta: { guest: true, title: 'member.login.title' },
      },
      {
        path: 'invite/:code',
        name: 'member-invite',
        component: view(member, 'InviteRedeem'),
        meta: { guest: true, title: 'member.invite.title' },
      },
    ],
  },
  {
    path: '/p',
    component: view(petugas, 'PetugasLayout'),
    meta: { surface: 'petugas' },
    children: [
      { path: '', name: 'petugas-home', component: view(petugas, 'PetugasHome'), meta: { title: 'petugas.home.title' } },
      { path: 'kiosk', name: 'petugas-kiosk', component: view(petugas, 'KioskMode'), meta: { title: 'kiosk.mode.title' } },
      { path: 'search', name: 'petugas-search', component: view(petugas, 'MemberSearch'), meta: { title: 'kiosk.search.title' } },
      { path: 'qr', name: 'petugas-qr', component: view(petugas, 'QrScan'), meta: { title: 'kiosk.qr.title' } },
      {
        path: 'roll-call',
        name: 'petugas-roll-call',
        component: view(petugas, 'RollCall'),
        meta: { title: 'rollCall.title' },
        beforeEnter: petugasMay('attendance:record:create'),
      },
      {
        path: 'record/:memberId(\\d+)',
        name: 'petugas-record',
        component: view(petugas, 'MemberRecord'),
        meta: { title: 'kiosk.record.title' },
      },
      {
        path: 'login',
        name: 'petugas-login',
        component: view(petugas, 'PetugasLogin'),
        meta: { guest: true, title: 'petugas.login.title' },
      },
      {
        path: 'enrol',
        name: 'petugas-enrol',
        component: view(petugas, 'DeviceEnrol'),
        meta: { guest: true, title: 'petugas.enrol.title' },
      },
    ],
  },
  // A screen opened offline whose code is not on this device yet (modules/router.ts onError).
  { path: '/offline-unavailable', name: 'offline-unavailable', component: () => import('~/views/OfflineUnavailable.vue'), meta: { title: 'offlineUnavailable.title' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('~/views/NotFound.vue'), meta: { title: 'notFound.title' } },
]
