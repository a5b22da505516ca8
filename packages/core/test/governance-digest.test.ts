import { describe, expect, it } from 'vitest';
import { hmacSha256Hex, sha256Hex } from '../src/governance/digest.js';
import { redact } from '../src/index.js';

const bytes = (length: number, value: number) => new Uint8Array(length).fill(value);

describe('SHA-256 known answers', () => {
  // NIST FIPS 180-2, Appendix B (SHA-256 examples): B.1, B.2 and B.3.
  it('FIPS 180-2 B.1: "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('FIPS 180-2 B.2: the 448-bit message', () => {
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('FIPS 180-2 B.3: one million "a"', () => {
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });
});

describe('HMAC-SHA-256 known answers', () => {
  // RFC 4231 section 4, "HMAC-SHA-256" lines of test cases 1–4, 6 and 7. Keys and data of the
  // binary cases are bytes, which the old hand-written helper (UTF-8 strings only) could not take.
  it('RFC 4231 test case 1: 20-byte 0x0b key, "Hi There"', () => {
    expect(hmacSha256Hex(bytes(20, 0x0b), 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
  });

  it('RFC 4231 test case 2: key "Jefe" (shorter than the output)', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('RFC 4231 test case 3: 20-byte 0xaa key, 50 bytes of 0xdd', () => {
    expect(hmacSha256Hex(bytes(20, 0xaa), bytes(50, 0xdd))).toBe(
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    );
  });

  it('RFC 4231 test case 4: key 0x01..0x19, 50 bytes of 0xcd', () => {
    const key = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
    expect(hmacSha256Hex(key, bytes(50, 0xcd))).toBe(
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    );
  });

  it('RFC 4231 test case 6: 131-byte key (hashed first)', () => {
    expect(hmacSha256Hex(bytes(131, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('RFC 4231 test case 7: 131-byte key and data longer than a block', () => {
    const data =
      'This is a test using a larger than block-size key and a larger than block-size data. ' +
      'The key needs to be hashed before being used by the HMAC algorithm.';
    expect(hmacSha256Hex(bytes(131, 0xaa), data)).toBe(
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    );
  });
});

describe('redaction hash style', () => {
  it('keeps the tokens the earlier implementation produced (stored hashes stay comparable)', () => {
    // Values recorded from the previous release for the same input and key.
    const input = 'mail Jane@Example.com, card 4111 1111 1111 1111';
    expect(redact(input, { style: 'hash', hashKey: 'k', hashLength: 64 }).text).toBe(
      'mail [EMAIL:77cff80182a460c0f4360ae6a74a6b139f27945f3dd351f26ab415cca02ee73c], ' +
        'card [CARD:ea8f1cf8ad2a108e8cf41d731c54fdf130622266c46017a1cc687d8b191c3d08]',
    );
    expect(redact('mail jane@example.com', { style: 'hash' }).text).toBe('mail [EMAIL:07f7fa094ff4]');
  });
});
