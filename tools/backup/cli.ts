// `npm run backup [-- FILE]` and `npm run restore -- FILE [--force]`: server/backup/commands.ts (the container runs
// the same through `node dist/server/index.js backup|restore`).
import { runCommand } from '../../server/backup/commands'

const [command = '', ...args] = process.argv.slice(2)
runCommand(command, args)
