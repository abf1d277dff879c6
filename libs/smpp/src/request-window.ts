import type { Pdu, PduInit } from './pdu';
import { encodeFields } from './pdu-codec';
import { SmppTimeoutError } from './session-errors';

interface Pending {
  init: PduInit;
  resolve: (p: Pdu) => void;
  reject: (e: Error) => void;
  /** performance.now() after which the request has timed out; 0 while it waits for a slot. */
  deadline: number;
}

const MAX_SEQ = 0x7fffffff;

/**
 * Outgoing requests of one session: sequence numbers, the window of unanswered requests, the
 * queue of those waiting for a slot, and the response timer (§7.2 response_timer).
 *
 * Every request waits the same time, so the oldest one sent is always the next to time out: one
 * timer per window, armed for the oldest request, does the work of a timer per request (which
 * cost a Timeout object, a closure and a timer-list insertion and removal per request). When it
 * fires it times out every request that is due, in the order they were sent, and re-arms itself
 * for the oldest left. `pending` keeps the order: a Map iterates in insertion order, and requests
 * are inserted as they are sent.
 */
export class RequestWindow {
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;

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
      const p: Pending = { init, resolve, reject, deadline: 0 };
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
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of all) p.reject(makeError(p.init.command));
  }

  private take(seq: number): Pending | undefined {
    const p = this.pending.get(seq);
    if (p) this.pending.delete(seq);
    // The timer stays armed: when it fires it finds the oldest request left, or none.
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
      frame = encodeFields(p.init, p.init.command, p.init.status ?? 0, seq);
    } catch (err) {
      p.reject(err as Error);
      return;
    }
    p.deadline = performance.now() + this.timeoutMs;
    this.pending.set(seq, p);
    if (!this.timer) this.arm(this.timeoutMs);
    this.writeFrame(frame);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  /** Time out every request whose deadline has passed, oldest first; re-arm for the next one. */
  private expire(): void {
    // this.timer stays set while requests are timed out, so those fill() sends arm nothing.
    for (const [seq, p] of this.pending) {
      // A timer may fire a little before its time by performance.now(): wait for the rest.
      const left = p.deadline - performance.now();
      if (left > 0) {
        this.arm(Math.ceil(left));
        return;
      }
      this.pending.delete(seq);
      p.reject(new SmppTimeoutError(p.init.command, seq, this.timeoutMs));
      // Requests sent from here on go to the end of `pending` with later deadlines.
      this.fill();
    }
    this.timer = undefined;
  }

  private fill(): void {
    while (this.waiting.length > 0 && this.pending.size < this.size) this.send(this.waiting.shift()!);
  }
}
