/**
 * Byte writer and reader for the compact codec: unsigned LEB128 varints up to 2^53, zig-zag
 * signed varints, little-endian float64. The reader throws CorruptInput, which the decoder
 * turns into a BAD_BINARY rejection; nothing escapes the package.
 */

/** Largest magnitude a quantized value or a delta may have; zig-zag of ±2^51 is still exact. */
export const MAX_QUANTIZED = 2 ** 50;

export class CorruptInput extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptInput';
  }
}

export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

export class ByteWriter {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  u8(n: number): void {
    this.buf[this.pos++] = n;
  }

  /** Unsigned varint of a non-negative integer ≤ 2^53. */
  varuint(n: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (n < 0x80000000) {
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 0x80) | 0x80;
        n = Math.floor(n / 0x80);
      }
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  varint(n: number): void {
    this.varuint(zigzag(n));
  }

  f64(x: number): void {
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  /** A copy of what was written (the scratch buffer is reused by the next frame). */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(): number {
    if (this.pos >= this.end) throw new CorruptInput(`truncated at byte ${this.pos}`);
    return this.buf[this.pos++] as number;
  }

  /** Canonical unsigned varint (no overlong encodings), at most 2^53 − 1. */
  varuint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new CorruptInput(`overlong varint at byte ${this.pos - 1}`);
        if (result > Number.MAX_SAFE_INTEGER)
          throw new CorruptInput(`varint too large at byte ${this.pos - 1}`);
        return result;
      }
      mul *= 0x80;
    }
    throw new CorruptInput(`varint longer than 8 bytes at byte ${this.pos}`);
  }

  /** Zig-zag varint whose magnitude is at most `limit`. */
  varint(limit: number): number {
    const n = unzigzag(this.varuint());
    if (n > limit || n < -limit)
      throw new CorruptInput(`value ${n} out of codec range at byte ${this.pos}`);
    return n;
  }

  f64(): number {
    if (this.pos + 8 > this.end) throw new CorruptInput(`truncated float at byte ${this.pos}`);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
}
