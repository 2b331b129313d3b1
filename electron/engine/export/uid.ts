/**
 * DICOM UIDs. New ones are `2.25.<UUID as a decimal integer>` (PS3.5 B.2) from
 * crypto-random UUIDs; anonymised ones come from a keyed hash so the same
 * source UID maps to the same new UID across a whole exported set, and
 * cannot be reversed without the key.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

function uuidBytesToUid(hex: string): string {
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

export function newUid(): string {
  return uuidBytesToUid(randomUUID().replace(/-/g, ''));
}

/** Consistent replacement of UIDs: same input + same key -> same output. */
export class UidMap {
  private readonly key: Buffer;
  private readonly seen = new Map<string, string>();

  constructor(key?: Uint8Array) {
    this.key = Buffer.from(key ?? randomBytes(32));
  }

  map(uid: string): string {
    let out = this.seen.get(uid);
    if (!out) {
      const h = createHmac('sha256', this.key).update(uid).digest();
      // Shape the 128 bits as a version-4-like UUID so the integer stays < 2^128 (39 digits; UI VR limit is 64).
      h[6] = (h[6]! & 0x0f) | 0x40;
      h[8] = (h[8]! & 0x3f) | 0x80;
      out = uuidBytesToUid(h.subarray(0, 16).toString('hex'));
      this.seen.set(uid, out);
    }
    return out;
  }
}
