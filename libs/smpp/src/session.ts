import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { commandName, isResponseId, responseNameFor, type CommandName } from './commands';
import { FramingError, PduFramer, type FrameList } from './framer';
import type { Pdu, PduFields, PduInit, Tlv } from './pdu';
import { decodePduAt, encodeFields, PduDecodeError } from './pdu-codec';
import { RequestWindow } from './request-window';
import { SessionClosedError, silentLogger, SmppTimeoutError, type SmppLogger } from './session-errors';
import { STATUS } from './status';

export interface SmppSessionOptions {
  socket: Socket;
  /** Upper bound of command_length (see DEFAULT_MAX_PDU_LENGTH). */
  maxPduLength?: number;
  /** Max outstanding OUTGOING requests; request() waits for a free slot. SMPP.md: the spec recommends 10. */
  window?: number;
  /** Incoming requests not yet answered; at this count the session stops reading (backpressure). */
  maxIncomingPending?: number;
  /** §7.2 response_timer. */
  responseTimeoutMs?: number;
  /** §7.2 enquire_link_timer: probe the link after this long without receiving anything (0 = off). */
  enquireLinkMs?: number;
  /** §7.2 inactivity_timer: close after this long without receiving anything (0 = off). */
  inactivityMs?: number;
  logger?: SmppLogger;
  /**
   * Warnings the peer can repeat at will (malformed PDUs, responses to nothing) go through this,
   * keyed by the peer's address, so an application can rate-limit them (default: logged each).
   */
  noisyWarn?: (log: SmppLogger, key: string, fields: object, msg: string) => void;
  /** The peer's address when the socket's is a proxy's (PROXY protocol); default: the socket's. */
  remoteAddress?: string;
}

export interface SmppSessionEvents {
  /** An incoming request; answer it with respond(). */
  pdu: [Pdu];
  /** The peer sent unbind; unbind_resp is already on its way and the session is closing. */
  unbind: [Pdu];
  close: [];
  error: [Error];
}

const NO_FRAME = Buffer.alloc(0);

/**
 * One SMPP connection: framing, sequence numbers, the outgoing window, response matching and
 * timers. It answers what needs no application decision (enquire_link, unbind, broken PDUs) and
 * hands every other request to the 'pdu' listener. Bind state is the application's business.
 */
export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly id: string = randomUUID().slice(0, 8);
  readonly socket: Socket;
  /** The client's IP address: the socket's, or the one a PROXY header gave. */
  readonly remoteAddress: string | undefined;
  private readonly log: SmppLogger;
  private readonly noisy: (key: string, fields: object, msg: string) => void;
  private readonly framer: PduFramer;
  private readonly maxIncoming: number;
  private readonly requests: RequestWindow;
  private readonly unanswered = new Set<Pdu>();
  private inbox: (Buffer | undefined)[] = [];
  private inboxHead = 0;
  private pumping = false;
  private pausedForDrain = false;
  /** Frames written this tick (outbox[0..outboxCount)), sent as one write on the next. */
  private readonly outbox: Buffer[] = [];
  private outboxCount = 0;
  private outboxBytes = 0;
  private readonly flushOnTick = (): void => this.flush();
  private isClosed = false;
  private receivedAt = 0;
  private closeEmitted = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(opts: SmppSessionOptions) {
    super();
    this.socket = opts.socket;
    this.framer = new PduFramer(opts.maxPduLength);
    this.maxIncoming = Math.max(1, opts.maxIncomingPending ?? 100);
    this.requests = new RequestWindow(Math.max(1, opts.window ?? 10), opts.responseTimeoutMs ?? 60_000, (f) => this.writeFrame(f));
    this.remoteAddress = opts.remoteAddress ?? this.socket.remoteAddress;
    const remote = opts.remoteAddress ?? `${this.socket.remoteAddress}:${this.socket.remotePort}`;
    this.log = (opts.logger ?? silentLogger) as SmppLogger;
    if ('child' in this.log && typeof this.log.child === 'function') {
      this.log = (this.log.child as (b: object) => SmppLogger)({ sessionId: this.id, remote });
    }
    const noisyWarn = opts.noisyWarn;
    const peer = this.remoteAddress; // read now: a destroyed socket no longer has it
    this.noisy = noisyWarn
      ? (key, fields, msg) => noisyWarn(this.log, `${key}:${peer}`, fields, msg)
      : (_key, fields, msg) => this.log.warn(fields, msg);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updateReading();
    });
    this.socket.on('end', () => this.close());
    this.socket.on('error', (err) => {
      this.noisy('socket-error', { err }, 'smpp socket error');
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.destroy();
    });
    this.socket.on('close', () => this.finish());
    this.startTimer(opts.enquireLinkMs ?? 30_000, () => this.probe());
    this.startTimer(opts.inactivityMs ?? 300_000, () => {
      this.log.warn({}, 'smpp inactivity timer expired, closing');
      this.close();
    });
  }

  /**
   * Upper bound of command_length for frames not yet read. A server lowers it until the peer has
   * bound (a bind is tiny; an anonymous peer must not make us buffer 64 KiB) and restores it after.
   */
  get maxPduLength(): number {
    return this.framer.maxLength;
  }

  set maxPduLength(n: number) {
    this.framer.maxLength = n;
  }

  get inFlight(): number {
    return this.requests.inFlight;
  }

  /** When the peer last sent anything (ms since epoch; 0 before it did): is the link alive? */
  get lastReceivedAt(): number {
    return this.receivedAt;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Send a request and resolve with its response (any status; generic_nack included). */
  request(init: PduInit): Promise<Pdu> {
    if (this.isClosed) return Promise.reject(new SessionClosedError());
    return this.requests.submit(init);
  }

  /** Answer an incoming request with its *_resp (generic_nack for commands without one). */
  respond(req: Pdu, init: Partial<Pdu> = {}): void {
    const wasCounted = this.unanswered.delete(req);
    if (!this.isClosed) {
      // `init` is encoded as it is (its commandId and seq, if any, are not read): no copy per answer.
      this.send(init, init.command ?? responseNameFor(req.command), init.status ?? 0, req.seq);
    }
    if (wasCounted && !this.pumping) this.pump();
  }

  /** §4.2: send unbind, wait for unbind_resp (bounded by the response timeout), then close. */
  async unbind(): Promise<void> {
    try {
      await this.request({ command: 'unbind' });
    } catch (err) {
      this.log.debug({ err }, 'unbind not answered');
    } finally {
      this.close();
    }
  }

  /** Graceful close: flush what is written, FIN, fail every request that waits for an answer. */
  close(): void {
    if (this.isClosed) return;
    this.shutdown();
    this.flush(); // what was written before close() (an unbind_resp, a generic_nack) goes out first
    this.socket.end();
    // A peer that never closes its side must not keep the socket forever.
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  destroy(): void {
    if (!this.isClosed) this.shutdown();
    this.socket.destroy();
  }

  private shutdown(): void {
    this.isClosed = true;
    for (const t of this.timers) clearTimeout(t);
    this.requests.failAll((command) => new SessionClosedError(`SMPP session ${this.id} closed before ${command} was answered`));
  }

  private finish(): void {
    if (!this.isClosed) this.shutdown();
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close');
  }

  private startTimer(ms: number, fire: () => void): void {
    if (ms <= 0) return;
    const t: NodeJS.Timeout = setTimeout(() => {
      if (this.isClosed) return;
      t.refresh();
      fire();
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private probe(): void {
    this.request({ command: 'enquire_link' }).catch((err: Error) => {
      if (err instanceof SmppTimeoutError) {
        this.log.warn({}, 'enquire_link not answered, closing');
        this.close();
      }
    });
  }

  private write(pdu: PduInit & { seq: number }): void {
    this.send(pdu, pdu.command, pdu.status ?? 0, pdu.seq);
  }

  private send(fields: PduFields & { tlvs?: Tlv[] }, command: CommandName, status: number, seq: number): void {
    try {
      this.writeFrame(encodeFields(fields, command, status, seq));
    } catch (err) {
      this.log.error({ err, command }, 'cannot encode PDU');
    }
  }

  private writeFrame(frame: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    // The frames of one tick go out together, in one write on the next tick: one pass through the
    // socket's stream machinery for all of them, where a write each under cork cost one apiece.
    if (this.outboxCount === 0) process.nextTick(this.flushOnTick);
    this.outbox[this.outboxCount++] = frame;
    this.outboxBytes += frame.length;
  }

  private flush(): void {
    const n = this.outboxCount;
    if (n === 0) return;
    let data = this.outbox[0]!;
    if (n > 1) {
      data = Buffer.allocUnsafe(this.outboxBytes);
      let off = 0;
      for (let i = 0; i < n; i++) {
        const f = this.outbox[i]!;
        f.copy(data, off);
        off += f.length;
      }
    }
    // The slots stay (no new array per tick) but hold no frame.
    this.outbox.fill(NO_FRAME, 0, n);
    this.outboxCount = 0;
    this.outboxBytes = 0;
    if (this.socket.destroyed || this.socket.writableEnded) return;
    if (!this.socket.write(data) && !this.pausedForDrain) {
      // The peer reads slower than we answer: stop reading until our output drains.
      this.pausedForDrain = true;
      this.updateReading();
    }
  }

  private updateReading(): void {
    const blocked = this.pausedForDrain || this.unanswered.size >= this.maxIncoming;
    if (blocked && !this.socket.isPaused()) this.socket.pause();
    else if (!blocked && this.socket.isPaused()) this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    this.receivedAt = Date.now();
    if (!this.isClosed) for (const t of this.timers) t.refresh();
    let found: FrameList;
    try {
      found = this.framer.scan(chunk);
    } catch (err) {
      if (!(err instanceof FramingError)) throw err;
      // SMPP.md/§3.2: framing is lost — nack with ESME_RINVCMDLEN and close.
      this.noisy('bad-length', { commandLength: err.commandLength }, 'invalid command_length, closing');
      this.write({ command: 'generic_nack', seq: err.seq ?? 0, status: STATUS.ESME_RINVCMDLEN });
      this.close();
      return;
    }
    // What pump() would do, without a Buffer per frame: a frame is handled where it lies in the
    // chunk while none waits before it and the session takes more; the rest wait in the inbox.
    let i = 0;
    this.pumping = true;
    try {
      for (; i < found.count; i++) {
        const buf = found.bufs[i]!;
        if (this.inboxHead === this.inbox.length && !this.isClosed && this.unanswered.size < this.maxIncoming) {
          this.handleFrame(buf, found.starts[i]!, found.ends[i]!);
        } else {
          this.inbox.push(buf.subarray(found.starts[i]!, found.ends[i]!));
        }
      }
    } finally {
      this.pumping = false;
      // A listener threw: the frames after its own wait in the inbox, as in pump().
      for (i++; i < found.count; i++) this.inbox.push(found.bufs[i]!.subarray(found.starts[i]!, found.ends[i]!));
    }
    this.pump();
  }

  /** Handle buffered frames until the incoming window is full; resumes the socket when drained. */
  private pump(): void {
    this.pumping = true;
    try {
      while (this.inboxHead < this.inbox.length && !this.isClosed && this.unanswered.size < this.maxIncoming) {
        const frame = this.inbox[this.inboxHead]!;
        this.inbox[this.inboxHead++] = undefined; // let GC take handled frames
        this.handleFrame(frame, 0, frame.length);
      }
      if (this.inboxHead === this.inbox.length) {
        this.inbox = [];
        this.inboxHead = 0;
      }
    } finally {
      this.pumping = false;
    }
    if (!this.isClosed) this.updateReading();
  }

  /** The frame buf[start, end). */
  private handleFrame(buf: Buffer, start: number, end: number): void {
    let pdu: Pdu;
    try {
      pdu = decodePduAt(buf, start, end);
    } catch (err) {
      if (err instanceof PduDecodeError) this.onDecodeError(err, buf, start);
      else this.log.error({ err }, 'unexpected decode failure');
      return;
    }
    if (isResponseId(pdu.commandId)) return this.onResponse(pdu);
    switch (pdu.command) {
      case 'enquire_link':
        // §4.11: answered in any state; nothing for the application to do.
        this.write({ command: 'enquire_link_resp', seq: pdu.seq });
        return;
      case 'unbind':
        // §4.2: answer, then close; pending requests fail with SessionClosedError.
        this.write({ command: 'unbind_resp', seq: pdu.seq });
        this.emit('unbind', pdu);
        this.close();
        return;
      case 'outbind':
      case 'alert_notification':
        // No response exists for these (§4.1.7, §4.12); the application just gets told.
        this.emit('pdu', pdu);
        return;
    }
    this.unanswered.add(pdu);
    if (this.listenerCount('pdu') === 0) {
      this.log.warn({ command: pdu.command }, 'no handler for incoming request');
      this.respond(pdu, { status: STATUS.ESME_RSYSERR });
      return;
    }
    try {
      this.emit('pdu', pdu);
    } catch (err) {
      // A throwing handler must not take the socket loop down; the peer still gets an answer.
      this.log.error({ err, command: pdu.command }, 'pdu handler threw');
      if (this.unanswered.has(pdu)) this.respond(pdu, { status: STATUS.ESME_RSYSERR });
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
    }
  }

  /** `err` from decoding the frame at buf[start]. */
  private onDecodeError(err: PduDecodeError, buf: Buffer, start: number): void {
    this.noisy('malformed-pdu', { err: err.message, commandId: err.commandId, seq: err.seq }, 'malformed PDU');
    if (err.status === STATUS.ESME_RINVCMDID) {
      // §3.3: an unknown command gets generic_nack with its own sequence number; keep reading.
      this.write({ command: 'generic_nack', seq: err.seq, status: err.status });
      return;
    }
    if (isResponseId(err.commandId)) {
      const status = buf.readUInt32BE(start + 8);
      const name = commandName(err.commandId);
      if (status !== 0 && name) {
        // An error response is all about its status; a broken body must not hide it.
        this.onResponse({ command: name, commandId: err.commandId, status, seq: err.seq, tlvs: [] });
        return;
      }
      this.requests.reject(err.seq, err);
      return;
    }
    // A well-framed request with a broken body: its own *_resp carries the status.
    const name = commandName(err.commandId);
    this.write({ command: name ? responseNameFor(name) : 'generic_nack', seq: err.seq, status: err.status });
  }

  private onResponse(pdu: Pdu): void {
    if (!this.requests.resolve(pdu)) {
      this.noisy('stray-response', { command: pdu.command, seq: pdu.seq, status: pdu.status }, 'response to no pending request, ignored');
    }
  }
}
