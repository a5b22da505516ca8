import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../src/index.js';

const form = 'application/x-www-form-urlencoded';

// Published vector: Twilio's docs snippet "signature_validation" (TwilioDevEd/api-snippets,
// security/signature_validation/signature_validation.3.x.js), also the fixture of every Twilio SDK's
// RequestValidator test: auth token 12345, this URL, these POST parameters.
const DOCS = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  body: 'CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234&From=%2B14158675310&To=%2B18005551212',
  signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
};

// Published vector: the JSON (`bodySHA256`) case of Twilio's SDK tests (twilio-python
// tests/unit/test_request_validator.py `test_validation_of_body_succeeds`, twilio-csharp
// RequestValidatorTest `TestValidateWithBody`, twilio-go `ValidateBody`).
const JSON_VECTOR = {
  token: '12345',
  body: '{"property": "value", "boolean": true}',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620',
  signature: 'a9nBmqA0ju/hNViExpshrM61xv4=',
};

/** An independent signer: the documented algorithm written out by hand. */
function sign(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(data).digest('base64');
}

describe('twilio', () => {
  it('accepts the docs vector (form POST)', async () => {
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: DOCS.token,
      url: DOCS.url,
      headers: { 'X-Twilio-Signature': DOCS.signature, 'Content-Type': form },
      rawBody: DOCS.body,
    });
    expect(result).toEqual({ valid: true });
  });

  it('accepts the SDK vector for JSON bodies (bodySHA256)', async () => {
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: JSON_VECTOR.token,
      url: JSON_VECTOR.url,
      headers: { 'x-twilio-signature': JSON_VECTOR.signature, 'content-type': 'application/json' },
      rawBody: JSON_VECTOR.body,
    });
    expect(result).toEqual({ valid: true });
  });

  it('rejects a JSON body that does not hash to bodySHA256, though the URL signature holds', async () => {
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: JSON_VECTOR.token,
      url: JSON_VECTOR.url,
      headers: { 'x-twilio-signature': JSON_VECTOR.signature, 'content-type': 'application/json' },
      rawBody: '{"property": "evil", "boolean": true}',
    });
    expect(result).toEqual({ valid: false, reason: 'body_hash_mismatch' });
  });

  it('rejects a tampered parameter, a wrong token and another URL', async () => {
    const base = {
      provider: 'twilio' as const,
      headers: { 'X-Twilio-Signature': DOCS.signature, 'Content-Type': form },
    };
    const tampered = await verifyWebhook({
      ...base,
      secret: DOCS.token,
      url: DOCS.url,
      rawBody: DOCS.body.replace('Digits=1234', 'Digits=1235'),
    });
    const wrongToken = await verifyWebhook({ ...base, secret: '54321', url: DOCS.url, rawBody: DOCS.body });
    const otherUrl = await verifyWebhook({
      ...base,
      secret: DOCS.token,
      url: 'https://mycompany.com/myapp.php?foo=1&bar=3',
      rawBody: DOCS.body,
    });
    for (const r of [tampered, wrongToken, otherUrl])
      expect(r).toEqual({ valid: false, reason: 'signature_mismatch' });
  });

  it('accepts a signature made with or without the default port, whichever the URL has (as twilio-node)', async () => {
    // twilio-node spec/unit/webhooks/webhooks.spec.js: the four port combinations validate.
    for (const signed of ['https://example.com/path?test=param', 'https://example.com:443/path?test=param']) {
      for (const seen of ['https://example.com/path?test=param', 'https://example.com:443/path?test=param']) {
        const signature = sign('s3cr3t', signed, {});
        const result = await verifyWebhook({
          provider: 'twilio',
          secret: 's3cr3t',
          url: seen,
          headers: { 'x-twilio-signature': signature },
          rawBody: '',
        });
        expect(result, `${signed} seen as ${seen}`).toEqual({ valid: true });
      }
    }
    const http = sign('s3cr3t', 'http://example.com:80/hook', {});
    expect(
      await verifyWebhook({
        provider: 'twilio',
        secret: 's3cr3t',
        url: 'http://example.com/hook',
        headers: { 'x-twilio-signature': http },
        rawBody: '',
      }),
    ).toEqual({ valid: true });
  });

  it('treats an escaped and an unescaped single quote in the query alike (as twilio-node)', async () => {
    const signature = sign('s3cr3t', 'https://example.com/path?test=param%27WithQuote', {});
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: 's3cr3t',
      url: "https://example.com/path?test=param'WithQuote",
      headers: { 'x-twilio-signature': signature },
      rawBody: '',
    });
    expect(result).toEqual({ valid: true });
  });

  it('signs repeated parameters value by value, sorted', async () => {
    // No published vector for repeated names: computed by hand, as twilio-node's toFormUrlEncodedParam does.
    const url = 'https://example.com/mms';
    const expected = createHmac('sha1', 'tok')
      .update(`${url}BodyhiMediaUrlhttps://a.example/1MediaUrlhttps://b.example/2`)
      .digest('base64');
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: 'tok',
      url,
      headers: { 'x-twilio-signature': expected, 'content-type': form },
      rawBody: 'MediaUrl=https%3A%2F%2Fb.example%2F2&Body=hi&MediaUrl=https%3A%2F%2Fa.example%2F1',
    });
    expect(result).toEqual({ valid: true });
  });

  it('accepts either token during a rotation and returns the idempotency token as delivery id', async () => {
    const signature = sign('new-token', 'https://example.com/sms', { Body: 'hello' });
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: ['old-token', 'new-token'],
      url: 'https://example.com/sms',
      headers: {
        'X-TWILIO-SIGNATURE': signature,
        'content-type': form,
        'I-Twilio-Idempotency-Token': 'idem-1',
      },
      rawBody: 'Body=hello',
    });
    expect(result).toEqual({ valid: true, deliveryId: 'idem-1' });
  });

  it('reports a missing or malformed signature and an unusable URL', async () => {
    const common = { provider: 'twilio' as const, secret: 'tok', rawBody: '' };
    expect(await verifyWebhook({ ...common, url: 'https://e.com/', headers: {} })).toEqual({
      valid: false,
      reason: 'missing_signature',
    });
    expect(
      await verifyWebhook({ ...common, url: 'https://e.com/', headers: { 'x-twilio-signature': 'abc' } }),
    ).toEqual({ valid: false, reason: 'malformed_signature' });
    const good = createHmac('sha1', 'tok').update('x').digest('base64');
    expect(
      await verifyWebhook({ ...common, url: 'not a url', headers: { 'x-twilio-signature': good } }),
    ).toEqual({ valid: false, reason: 'invalid_url' });
  });

  it('rejects a bodySHA256 that is not hex', async () => {
    const url = 'https://example.com/hook?bodySHA256=zz';
    const result = await verifyWebhook({
      provider: 'twilio',
      secret: 'tok',
      url,
      headers: { 'x-twilio-signature': sign('tok', url, {}) },
      rawBody: '{}',
    });
    expect(result).toEqual({ valid: false, reason: 'body_hash_mismatch' });
    expect(createHash('sha256').update('{}').digest('hex')).not.toBe('zz');
  });
});
