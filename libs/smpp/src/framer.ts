import { HEADER_LENGTH } from './pdu-codec';

/**
 * Default upper bound for command_length. A message_payload TLV (§5.3.2.32) may carry up to
 * 65535 octets; 1 KiB on top covers the header, the largest mandatory part (submit_sm with a
 * 254-octet short_message is ~400 octets) and a handful of other TLVs. Kannel's 7424 is too small
 * for payload mode, an unbounded length lets a peer make us allocate gigabytes.
 */
export const DEFAULT_MAX_PDU_LENGTH = 65536 + 1024;

/**
 * command_length is outside [16, max]. Framing is lost: the caller answers generic_nack with
 * ESME_RINVCMDLEN and closes the connection (SMPP.md, §3.2). `seq`/`commandId` are known only
 * when the whole header had arrived.
 */
export class FramingError extends Error {
  override readonly name = 'FramingError';
  constructor(
    readonly commandLength: number,
    readonly commandId: number | undefined,
    readonly seq: number | undefined,
    readonly maxLength: number,
  ) {
    super(`invalid command_length ${commandLength} (allowed ${HEADER_LENGTH}..${maxLength})`);
  }
}

const NO_CHUNK = Buffer.alloc(0);

/** Frames found by PduFramer.scan: frame i is bufs[i] from starts[i] to ends[i], for i < count. */
export interface FrameList {
  count: number;
  bufs: Buffer[];
  starts: number[];
  ends: number[];
}

/**
 * Turns a byte stream into complete PDU frames. Chunks are kept as a list and only the bytes of
 * one frame are ever copied (and only when that frame spans chunks), so many small frames in a
 * big chunk and one big frame in many small chunks are both linear.
 */
export class PduFramer {
  private chunks: Buffer[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  private buffered = 0;
  private failure: FramingError | undefined;
  private limit = DEFAULT_MAX_PDU_LENGTH;
  private readonly found: FrameList = { count: 0, bufs: [], starts: [], ends: [] };

  constructor(maxLength: number = DEFAULT_MAX_PDU_LENGTH) {
    this.maxLength = maxLength;
  }

  /** Upper bound of command_length; may change between frames (a server allows less before bind). */
  get maxLength(): number {
    return this.limit;
  }

  set maxLength(n: number) {
    if (!Number.isInteger(n) || n < HEADER_LENGTH) throw new RangeError(`maxLength must be an integer >= ${HEADER_LENGTH}`);
    this.limit = n;
  }

  /** Octets received but not yet returned as a frame. */
  get pending(): number {
    return this.buffered;
  }

  /** Feed one socket chunk; returns the frames it completes. Throws FramingError (and keeps throwing). */
  push(chunk: Buffer): Buffer[] {
    const found = this.scan(chunk);
    const frames: Buffer[] = [];
    for (let i = 0; i < found.count; i++) {
      const buf = found.bufs[i]!;
      const start = found.starts[i]!;
      const end = found.ends[i]!;
      frames.push(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    }
    return frames;
  }

  /**
   * push() without a Buffer per frame: the frames this chunk completes, as places in buffers
   * (the chunk itself, or a copy when a frame spans chunks), for decodePduAt. The list is the
   * framer's own and is overwritten by the next call.
   */
  scan(chunk: Buffer): FrameList {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const found = this.found;
    // The last call's chunks are let go; this call's stay referenced until the next one.
    found.bufs.fill(NO_CHUNK, 0, found.count);
    found.count = 0;
    while (this.buffered >= 4) {
      // Check the length BEFORE waiting for (or allocating) the body: never trust it first.
      const length = this.peekUInt32(0);
      if (length < HEADER_LENGTH || length > this.maxLength) {
        const full = this.buffered >= HEADER_LENGTH;
        this.failure = new FramingError(length, full ? this.peekUInt32(4) : undefined, full ? this.peekUInt32(12) : undefined, this.maxLength);
        this.chunks = [];
        this.buffered = 0;
        found.count = 0;
        throw this.failure;
      }
      if (this.buffered < length) break;
      this.take(length, found);
    }
    return found;
  }

  private peekUInt32(at: number): number {
    const first = this.chunks[0]!;
    const pos = this.head + at;
    if (pos + 4 <= first.length) return first.readUInt32BE(pos);
    let v = 0;
    for (let i = 0; i < 4; i++) v = v * 256 + this.byteAt(at + i);
    return v;
  }

  private byteAt(at: number): number {
    let pos = this.head + at;
    for (const c of this.chunks) {
      if (pos < c.length) return c[pos]!;
      pos -= c.length;
    }
    throw new RangeError('framer: read past buffered data');
  }

  /** Appends the next n buffered octets to `found` as one frame. */
  private take(n: number, found: FrameList): void {
    const first = this.chunks[0]!;
    let buf: Buffer;
    let start: number;
    if (first.length - this.head >= n) {
      buf = first;
      start = this.head;
      this.head += n;
    } else {
      buf = Buffer.allocUnsafe(n);
      start = 0;
      let filled = 0;
      let i = 0;
      while (filled < n) {
        const c = this.chunks[i]!;
        const k = Math.min(c.length - this.head, n - filled);
        c.copy(buf, filled, this.head, this.head + k);
        filled += k;
        this.head += k;
        if (this.head === c.length) {
          i++;
          this.head = 0;
        }
      }
      // One splice for all consumed chunks keeps many tiny chunks linear.
      if (i > 0) this.chunks.splice(0, i);
    }
    if (this.chunks.length > 0 && this.head === this.chunks[0]!.length) {
      this.chunks.shift();
      this.head = 0;
    }
    this.buffered -= n;
    const at = found.count++;
    found.bufs[at] = buf;
    found.starts[at] = start;
    found.ends[at] = start + n;
  }
}
