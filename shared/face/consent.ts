// The biometric consent text members accept before registering a face (UU PDP No. 27/2022: explicit, informed,
// versioned). The server accepts only the current version; a new text means a new version, and members are asked again.

export const CONSENT_VERSION = '2026-11-v1'

export const CONSENT_TEXT: Record<'id' | 'en', { title: string; paragraphs: string[]; accept: string }> = {
  id: {
    title: 'Persetujuan penggunaan data wajah',
    paragraphs: [
      'Hadir menyimpan data wajah Anda (angka-angka pengenal wajah dan satu foto acuan) untuk memastikan bahwa Andalah yang melakukan absensi. Data wajah termasuk data pribadi yang bersifat spesifik menurut UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.',
      'Data ini hanya dipakai oleh organisasi Anda untuk absensi, tidak dibagikan ke pihak lain, dan hanya dapat dilihat oleh admin organisasi. Setiap kali foto Anda dilihat, hal itu dicatat.',
      'Foto absensi disimpan selama masa yang ditetapkan organisasi Anda, lalu dihapus otomatis.',
      'Anda dapat menarik persetujuan ini kapan saja dari menu Profil. Semua data wajah dan foto Anda akan dihapus, dan Anda dapat absen dengan cara lain yang disediakan organisasi.',
    ],
    accept: 'Saya telah membaca dan menyetujui penggunaan data wajah saya untuk absensi.',
  },
  en: {
    title: 'Consent to the use of your face data',
    paragraphs: [
      'Hadir stores your face data (the numbers that describe your face and one reference photo) to make sure it is really you who checks in. Face data is specific personal data under Indonesia\'s Personal Data Protection Law No. 27 of 2022.',
      'It is used only by your organization for attendance, never shared with anyone else, and can be seen only by your organization\'s admins. Every view of your photo is recorded.',
      'Attendance photos are kept for the period your organization sets, then deleted automatically.',
      'You can withdraw this consent at any time from your Profile. All your face data and photos are then deleted, and you can check in another way your organization offers.',
    ],
    accept: 'I have read this and agree to the use of my face data for attendance.',
  },
}
