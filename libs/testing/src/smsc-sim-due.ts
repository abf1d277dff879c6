/**
 * Work the simulator does a fixed delay after an event (receipts, duplicate receipts, delayed
 * responses), on ONE timer. A setTimeout per message costs a Timeout object, a timer-list insert,
 * and — as Node drains process.nextTick after every timer callback — its own socket flush: a
 * write syscall per receipt. Here every item due when the timer fires is handled in the same
 * callback, so what they write goes out in one corked write per session.
 *
 * Each lane has one delay, so its items are due in the order they were added (a FIFO, no heap).
 * Across lanes, items due at the same moment run in the order they were added, as timers of equal
 * expiry do.
 */
export interface DueLane<T> {
  add(item: T): void;
}

interface Lane {
  readonly delayMs: number;
  readonly run: (item: never) => void;
  items: unknown[];
  at: number[];
  seq: number[];
  head: number;
}

// A timer can fire up to a millisecond before performance.now() reaches its expiry (libuv's
// clock is in whole milliseconds); an item that close is due, as its own setTimeout would be.
const SLACK_MS = 1;

export class DueQueue {
  private readonly lanes: Lane[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private nextSeq = 0;
  private closed = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A lane of items handled by `run` each `delayMs` after it was added. */
  lane<T>(delayMs: number, run: (item: T) => void): DueLane<T> {
    const lane: Lane = { delayMs, run: run as (item: never) => void, items: [], at: [], seq: [], head: 0 };
    this.lanes.push(lane);
    return {
      add: (item: T) => {
        if (this.closed) return;
        const at = this.now() + lane.delayMs;
        lane.items.push(item);
        lane.at.push(at);
        lane.seq.push(this.nextSeq++);
        if (at < this.armedFor) this.arm(at);
      },
    };
  }

  /** Items not yet handled. */
  get size(): number {
    return this.lanes.reduce((n, l) => n + l.items.length - l.head, 0);
  }

  /** Drop everything and never run again. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const l of this.lanes) {
      l.items = [];
      l.at = [];
      l.seq = [];
      l.head = 0;
    }
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const until = this.now() + SLACK_MS;
    for (;;) {
      const lane = this.earliest(until);
      if (!lane) break;
      const item = lane.items[lane.head] as never;
      lane.items[lane.head] = undefined;
      lane.head++;
      lane.run(item);
      if (this.closed) return;
    }
    let next = Infinity;
    for (const l of this.lanes) {
      this.compact(l);
      if (l.head < l.items.length) next = Math.min(next, l.at[l.head]!);
    }
    if (next !== Infinity) this.arm(next);
  }

  /** The lane whose head is due first (by time, then by insertion), if any is due by `until`. */
  private earliest(until: number): Lane | undefined {
    let best: Lane | undefined;
    for (const l of this.lanes) {
      if (l.head >= l.items.length || l.at[l.head]! > until) continue;
      if (!best || l.at[l.head]! < best.at[best.head]! || (l.at[l.head] === best.at[best.head] && l.seq[l.head]! < best.seq[best.head]!)) best = l;
    }
    return best;
  }

  /** Drop handled items once they are most of the arrays (amortised O(1) per item). */
  private compact(l: Lane): void {
    if (l.head === l.items.length) {
      l.items = [];
      l.at = [];
      l.seq = [];
      l.head = 0;
    } else if (l.head > 1024 && l.head * 2 > l.items.length) {
      l.items = l.items.slice(l.head);
      l.at = l.at.slice(l.head);
      l.seq = l.seq.slice(l.head);
      l.head = 0;
    }
  }
}
