// An SMTP server for tests on 127.0.0.1 (smtp-server), keeping every message it accepts, parsed (mailparser).
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'

export interface SmtpSink {
  port: number
  mails: ParsedMail[]
  /** Envelope recipients per message, in the same order. */
  recipients: string[][]
  close: () => Promise<void>
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = []
  const recipients: string[][] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail)
          recipients.push(session.envelope.rcptTo.map((r) => r.address))
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, mails, recipients, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
