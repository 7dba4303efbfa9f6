import type { NotificationLanguage } from '../../../shared/notifications/kinds'

/** What each notification says, in the person's language. Kept on the server: the text is written when it is queued. */
export interface Message {
  title: string
  body: string
}

export interface DigestFigures {
  organization: string
  date: string
  present: number
  late: number
  excused: number
  waitingReview: number
  pendingLeave: number
  pendingCorrections: number
}

interface Params {
  checkin_reminder: { time: string }
  checkout_reminder: { end: string }
  request_answered: { request: 'leave' | 'correction'; approved: boolean; date: string; note: string | null }
  review_waiting: { count: number }
  daily_digest: DigestFigures
  invitation: { organization: string; link: string; expires: string }
}
export type MessageKind = keyof Params
export type MessageParams<K extends MessageKind> = Params[K]

const texts: { [L in NotificationLanguage]: { [K in MessageKind]: (p: Params[K]) => Message } } = {
  id: {
    checkin_reminder: (p) => ({ title: 'Belum absen masuk', body: `Sudah pukul ${p.time} dan Anda belum absen masuk hari ini.` }),
    checkout_reminder: (p) => ({ title: 'Belum absen pulang', body: `Jam kerja Anda selesai pukul ${p.end}. Jangan lupa absen pulang.` }),
    request_answered: (p) => ({
      title: `${p.request === 'leave' ? 'Pengajuan izin' : 'Pengajuan koreksi'} ${p.approved ? 'disetujui' : 'ditolak'}`,
      body: `${p.request === 'leave' ? 'Izin' : 'Koreksi absen'} untuk ${p.date} ${p.approved ? 'disetujui' : 'ditolak'}.${p.note ? ` Catatan: ${p.note}` : ''}`,
    }),
    review_waiting: (p) => ({ title: 'Absensi menunggu tinjauan', body: `${p.count} catatan absensi menunggu tinjauan Anda.` }),
    daily_digest: (p) => ({
      title: `Ringkasan absensi ${p.organization}, ${p.date}`,
      body: [
        `Ringkasan absensi ${p.organization} untuk ${p.date}:`,
        `Hadir: ${p.present} (terlambat: ${p.late})`,
        `Izin/sakit/cuti: ${p.excused}`,
        `Menunggu tinjauan: ${p.waitingReview}`,
        `Pengajuan izin menunggu: ${p.pendingLeave}`,
        `Pengajuan koreksi menunggu: ${p.pendingCorrections}`,
      ].join('\n'),
    }),
    invitation: (p) => ({
      title: `Undangan bergabung dengan ${p.organization} di Hadir`,
      body: `Anda diundang bergabung dengan ${p.organization} di Hadir.\n\nBuka tautan ini untuk mulai:\n${p.link}\n\nTautan berlaku sampai ${p.expires}.`,
    }),
  },
  en: {
    checkin_reminder: (p) => ({ title: 'Not checked in yet', body: `It is ${p.time} and you have not checked in today.` }),
    checkout_reminder: (p) => ({ title: 'Not checked out yet', body: `Your hours ended at ${p.end}. Remember to check out.` }),
    request_answered: (p) => ({
      title: `${p.request === 'leave' ? 'Leave request' : 'Correction request'} ${p.approved ? 'approved' : 'rejected'}`,
      body: `Your ${p.request === 'leave' ? 'leave' : 'attendance correction'} for ${p.date} was ${p.approved ? 'approved' : 'rejected'}.${p.note ? ` Note: ${p.note}` : ''}`,
    }),
    review_waiting: (p) => ({ title: 'Attendance waiting for review', body: `${p.count} attendance record(s) are waiting for your review.` }),
    daily_digest: (p) => ({
      title: `${p.organization} attendance summary, ${p.date}`,
      body: [
        `${p.organization} attendance for ${p.date}:`,
        `Present: ${p.present} (late: ${p.late})`,
        `On leave/sick/permit: ${p.excused}`,
        `Waiting for review: ${p.waitingReview}`,
        `Leave requests pending: ${p.pendingLeave}`,
        `Correction requests pending: ${p.pendingCorrections}`,
      ].join('\n'),
    }),
    invitation: (p) => ({
      title: `Invitation to join ${p.organization} on Hadir`,
      body: `You are invited to join ${p.organization} on Hadir.\n\nOpen this link to start:\n${p.link}\n\nThe link works until ${p.expires}.`,
    }),
  },
}

export function message<K extends MessageKind>(language: NotificationLanguage, kind: K, params: Params[K]): Message {
  return texts[language][kind](params)
}
