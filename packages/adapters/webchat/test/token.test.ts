import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVisitorToken, verifyVisitorToken } from '../src/index.js';

const SECRET = 'test-secret-0123456789abcdef';
const NOW = Date.UTC(2026, 0, 12, 9);

describe('visitor tokens', () => {
  it('round-trips the claims and defaults the session to the visitor', () => {
    const token = createVisitorToken({
      secret: SECRET,
      visitorId: 'v1',
      expiresAt: NOW + 60_000,
      email: 'Ada@Example.com',
      emailVerified: true,
      displayName: 'Ada',
    });
    expect(verifyVisitorToken(token, { secret: SECRET, now: NOW })).toEqual({
      valid: true,
      claims: {
        visitorId: 'v1',
        sessionId: 'v1',
        expiresAt: NOW + 60_000,
        email: 'ada@example.com',
        emailVerified: true,
        displayName: 'Ada',
      },
    });
  });

  it('refuses expired tokens, other secrets and tampered payloads; accepts rotated secrets', () => {
    const token = createVisitorToken({
      secret: SECRET,
      visitorId: 'v1',
      sessionId: 's1',
      expiresAt: NOW + 1000,
    });
    expect(verifyVisitorToken(token, { secret: SECRET, now: NOW + 1000 })).toEqual({
      valid: false,
      reason: 'expired',
    });
    expect(verifyVisitorToken(token, { secret: 'another-secret-0123456789', now: NOW })).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(verifyVisitorToken(token, { secret: ['another-secret-0123456789', SECRET], now: NOW }).valid).toBe(
      true,
    );
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 'admin', s: 's1', e: NOW + 1000 })).toString('base64url');
    expect(verifyVisitorToken(`${forged}.${mac}`, { secret: SECRET, now: NOW })).toEqual({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(verifyVisitorToken(`${payload}`, { secret: SECRET, now: NOW })).toEqual({
      valid: false,
      reason: 'malformed',
    });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.anything()), (input) => {
        expect(verifyVisitorToken(input, { secret: SECRET, now: NOW }).valid).toBe(false);
      }),
      { numRuns: 500, seed: 1410 },
    );
  });

  it('refuses a short secret with CONFIG', () => {
    expect(() => createVisitorToken({ secret: 'short', visitorId: 'v', expiresAt: NOW })).toThrowError(
      expect.objectContaining({ code: 'CONFIG', path: ['secret'] }),
    );
  });
});
