// Dependency-free base64 for typed arrays (works in Node and browsers), used to keep serialised
// models compact.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Encodes bytes as base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = i + 1 < bytes.length ? (bytes[i + 1] as number) : 0;
    const c = i + 2 < bytes.length ? (bytes[i + 2] as number) : 0;
    const triple = (a << 16) | (b << 8) | c;
    chunk +=
      ALPHABET.charAt((triple >> 18) & 63) +
      ALPHABET.charAt((triple >> 12) & 63) +
      (i + 1 < bytes.length ? ALPHABET.charAt((triple >> 6) & 63) : '=') +
      (i + 2 < bytes.length ? ALPHABET.charAt(triple & 63) : '=');
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

/** Decodes base64 to bytes; returns `undefined` for malformed input. */
export function base64ToBytes(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let triple = 0;
    for (let k = 0; k < 4; k++) {
      const code = s.charCodeAt(i + k);
      let v: number;
      if (code === 61 && i + k >= s.length - pad) v = 0;
      else {
        v = code < 128 ? (LOOKUP[code] as number) : -1;
        if (v < 0) return undefined;
      }
      triple = (triple << 6) | v;
    }
    if (o < out.length) out[o++] = (triple >> 16) & 255;
    if (o < out.length) out[o++] = (triple >> 8) & 255;
    if (o < out.length) out[o++] = triple & 255;
  }
  return out;
}

/** Float32Array → base64 (little-endian bytes). */
export function float32ToBase64(a: Float32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Int32Array → base64 (little-endian bytes). */
export function int32ToBase64(a: Int32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** base64 → Float32Array, or `undefined` when malformed. */
export function base64ToFloat32(s: string): Float32Array | undefined {
  const bytes = base64ToBytes(s);
  if (!bytes || bytes.length % 4 !== 0) return undefined;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** base64 → Int32Array, or `undefined` when malformed. */
export function base64ToInt32(s: string): Int32Array | undefined {
  const bytes = base64ToBytes(s);
  if (!bytes || bytes.length % 4 !== 0) return undefined;
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
