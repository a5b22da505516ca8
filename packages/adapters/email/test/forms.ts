import { createHmac, generateKeyPairSync, sign } from 'node:crypto';

/** Builds a `multipart/form-data` body the way providers post it (test helper). */
export function multipart(
  fields: Record<string, string>,
  files: { field: string; filename: string; contentType: string; content: Buffer }[] = [],
  boundary = '----threadlineBoundary7MA4YWxkTrZu0gW',
): { contentType: string; body: Buffer } {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        'utf8',
      ),
    );
  }
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: ${f.contentType}\r\n\r\n`,
      ),
      f.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

/** Mailgun's signature fields for a timestamp and token (test helper). */
export function mailgunSignature(key: string, timestampSeconds: number, token: string) {
  const timestamp = String(timestampSeconds);
  const signature = createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
  return { timestamp, token, signature };
}

/** A SendGrid-style ECDSA P-256 key pair: the public key as base64 DER, and a signer (test helper). */
export function sendgridKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    publicKey: publicDer,
    headers(timestampSeconds: number, body: Buffer, contentType: string) {
      const signature = sign(
        'sha256',
        Buffer.concat([Buffer.from(String(timestampSeconds)), body]),
        privateKey,
      ).toString('base64');
      return {
        'content-type': contentType,
        'X-Twilio-Email-Event-Webhook-Signature': signature,
        'X-Twilio-Email-Event-Webhook-Timestamp': String(timestampSeconds),
      };
    },
  };
}
