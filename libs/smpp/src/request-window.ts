import type { Pdu, PduInit } from './pdu';
import { encodePdu } from './pdu-codec';
import { SmppTimeoutError } from './session-errors';

interface Pending {
  init: PduInit;
  resolve: (p: Pdu) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

const MAX_SEQ = 0x7fffffff;

/**
 * Outgoing requests of one session: sequence numbers, the window of unanswered requests, the
 * queue of those waiting for a slot, and the response timer of each (§7.2 response_timer).
 */
export class RequestWindow {
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];

  constructor(
    private readonly size: number,
    private readonly timeoutMs: number,
    private readonly writeFrame: (frame: Buffer) => void,
    /** The last sequence number used; the next request gets the one after (tests start near the wrap). */
    lastSeq = 0,
  ) {
    this.seq = lastSeq;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Send now when a slot is free, else queue; resolves with the response. */
  submit(init: PduInit): Promise<Pdu> {
    return new Promise<Pdu>((resolve, reject) => {
      const p: Pending = { init, resolve, reject };
      if (this.pending.size < this.size) this.send(p);
      else this.waiting.push(p);
    });
  }

  /** Settle the request a response belongs to; false when no request waits for this seq. */
  resolve(pdu: Pdu): boolean {
    const p = this.take(pdu.seq);
    if (!p) return false;
    p.resolve(pdu);
    this.fill();
    return true;
  }

  reject(seq: number, err: Error): boolean {
    const p = this.take(seq);
    if (!p) return false;
    p.reject(err);
    this.fill();
    return true;
  }

  /** Fail every in-flight and queued request (the connection is gone). */
  failAll(makeError: (command: string) => Error): void {
    const all = [...this.pending.values(), ...this.waiting];
    this.pending.clear();
    this.waiting.length = 0;
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(makeError(p.init.command));
    }
  }

  private take(seq: number): Pending | undefined {
    const p = this.pending.get(seq);
    if (!p) return undefined;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    return p;
  }

  private nextSeq(): number {
    // §3.2: sequence numbers 1..0x7FFFFFFF; ours wrap, skipping any still waiting for an answer.
    do this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    while (this.pending.has(this.seq));
    return this.seq;
  }

  private send(p: Pending): void {
    const seq = this.nextSeq();
    let frame: Buffer;
    try {
      frame = encodePdu({ ...p.init, seq });
    } catch (err) {
      p.reject(err as Error);
      return;
    }
    this.pending.set(seq, p);
    p.timer = setTimeout(() => {
      if (this.take(seq) !== p) return;
      p.reject(new SmppTimeoutError(p.init.command, seq, this.timeoutMs));
      this.fill();
    }, this.timeoutMs);
    p.timer.unref();
    this.writeFrame(frame);
  }

  private fill(): void {
    while (this.waiting.length > 0 && this.pending.size < this.size) this.send(this.waiting.shift()!);
  }
}
