// Member import (Excel/CSV): the template's columns in order and the largest file accepted, for the server's reader
// and the dashboard's upload screen.

/** The template's columns, in order (a file's headers are matched to these, also by their Indonesian names). */
export const IMPORT_COLUMNS = ['name', 'email', 'phone', 'member_number', 'department', 'position', 'role'] as const
export type ImportColumn = (typeof IMPORT_COLUMNS)[number]

/** The largest file an import reads (5 MB); the dashboard refuses a larger one before uploading it. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024
