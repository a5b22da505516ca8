import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail the loopback SMTP server accepted (test helper). */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

/** What the server answers RCPT TO with, per attempt: `ok`, or an SMTP code to reject with. */
export type Answer = 'ok' | number;

/** An in-process `smtp-server` on 127.0.0.1 with scripted answers (test helper). */
export async function startSmtpServer(answers: Answer[] = []) {
  const received: ReceivedMail[] = [];
  let attempts = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      const answer = answers[attempts++] ?? 'ok';
      if (answer === 'ok') return callback();
      const error = new Error(answer >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
        responseCode: number;
      };
      error.responseCode = answer;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
