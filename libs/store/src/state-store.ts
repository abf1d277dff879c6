import type { MessageState } from '@smsgw/contracts';

/** What is known of one message. Parts are indexed from 0. */
export interface MessageRecord {
  id: string;
  cid?: string; // submit_multi: the message_id the client got for all its destinations (receipts show it)
  sys: string; // client system_id
  src: string; // normalised source
  dst: string; // normalised destination
  rd: number; // registered_delivery as submitted
  state: MessageState;
  pool?: string;
  smsc?: string;
  parts: number; // 0 until the sender segmented it
  segments: number; // segments as sent to the SMSC (the unit of rate limits); = parts but in payload mode
  partStates: (MessageState | null)[]; // final state per part, null while not final
  smscIds: (string | null)[]; // SMSC message id per part, null until acknowledged
  /**
   * The SMSC's message id of each part as it wrote it in submit_sm_resp, where that differs from
   * the normalised one in smscIds (case, leading zeros, base): what cancel_sm and replace_sm
   * must name. Absent when no part's does (or the record is older than this field).
   */
  rawSmscIds?: (string | null)[];
  err?: number;
  dc?: number; // the client's data_coding (absent in records written before it was kept)
  sdc?: number; // the data_coding the SMSC got (the sender re-encodes text per SMSC); absent until submitted
  tp?: string; // W3C traceparent of the sender's span, on a traced message: the receipt's span continues it
  times: Partial<Record<MessageState, number>>; // ms since epoch of each transition
  createdAt: number;
  updatedAt: number;
}

export interface CreateMessageInput {
  id: string;
  /** The client's message_id when it is not `id` (a submit_multi destination). */
  cid?: string;
  sys: string;
  src: string;
  dst: string;
  rd: number;
  state: 'ACCEPTED' | 'SCHEDULED' | 'ROUTED' | 'POLICY_REJECTED';
  pool?: string;
  at: number;
  err?: number;
  /** The client's data_coding: replace_sm's new text comes in it and is re-encoded for the SMSC. */
  dc?: number;
}

export interface TransitionInput {
  at: number;
  err?: number;
  smsc?: string;
}

export interface RecordSubmitInput {
  part: number;
  parts: number;
  smsc: string;
  smscMsgId: string; // already normalised by the caller
  /** The id as the SMSC wrote it, when the caller has it: kept where it differs from smscMsgId. */
  rawSmscMsgId?: string;
  at: number;
  /** Segments of the whole message as sent (payload mode: one part, many segments). Default: parts. */
  segments?: number;
  /** The data_coding the SMSC got (the same for every part): replace_sm text is encoded in it. */
  sdc?: number;
  /**
   * The client's data_coding of the text submitted, when a replacement before the submit changed
   * the one the message was created with: replaces the record's `dc`.
   */
  dc?: number;
  /**
   * The registered_delivery the message went with, when a replacement before the submit
   * (replace_sm, replace_if_present_flag) changed the one it was created with: replaces the
   * record's `rd`, which decides the client's receipts.
   */
  rd?: number;
  /**
   * The sender span's traceparent, on a traced message (tracing.enabled): the SMSC's receipt
   * carries no trace context, so the dlr-worker finds it here.
   */
  tp?: string;
}

/** A client's messages to one destination created within [from, to] (ms since epoch, inclusive). */
export interface MessageSearch {
  sys: string;
  /** The normalised destination, as in MessageRecord.dst. */
  dst: string;
  from: number;
  to: number;
  /** At most this many, newest first. */
  limit: number;
}

/**
 * Most messages the search index keeps per (client, destination): a client that sends a
 * monitoring probe to one number all week finds its latest ones, and the index stays small.
 */
export const SEARCH_INDEX_CAP = 10_000;

export interface Correlation {
  id: string;
  part: number;
  parts: number;
}

export interface PartFinalInput extends TransitionInput {
  /**
   * The message's own final state once its parts say so (e.g. aggregatePartStates): asked with
   * the part states after this write; when it names a state, the message moves there in the same
   * write where the backend can, as `transition` would. `err` goes with that move. `of` must be
   * pure: Redis asks it beforehand about `[state]` alone, which is what the part states are when
   * the message has one part (moved in the same write), and again after the write for a
   * multipart message (moved by a second write).
   */
  whole?: { of: (partStates: (MessageState | null)[]) => MessageState | null; err?: number };
}

/**
 * The record recordPartFinal hands back (what a receipt is built from) without what a receipt
 * does not use: pool, the data_codings, the SMSC's raw ids. Its `times` hold at least SUBMITTED
 * and the state this write moved the message to (Redis reads no others).
 */
export type PartFinalRecord = Omit<MessageRecord, 'pool' | 'dc' | 'sdc' | 'rawSmscIds'>;

export interface PartFinalResult {
  applied: boolean; // false when that part was already final (duplicate receipt)
  /** Final state of each part 0 … max(parts, part + 1) - 1, null while not final (Aerospike also lists a part written beyond `parts`, a caller's bug). */
  partStates: (MessageState | null)[];
  /** The record after the write (no second read needed); null when the message is absent. */
  record: PartFinalRecord | null;
  /** Only when this write set the part (applied) and `whole.of` named a state: did the message move there. */
  whole?: { state: MessageState; applied: boolean };
}

/**
 * The state store contract. Every write is conditional so that redelivered stream entries and
 * concurrent workers converge: the lifecycle only moves forward, a final state never changes.
 * Implementations: Redis (embedded default) and Aerospike (production); both pass
 * `state-store.contract.ts` (receipts: `state-store-receipts.contract.ts`).
 */
export interface StateStore {
  /** Creates the record if absent. Returns false when it already existed (a redelivery). */
  createMessage(input: CreateMessageInput): Promise<boolean>;
  /** Moves the message to `to` if that is a forward step; `applied` false otherwise or if absent. */
  transition(id: string, to: MessageState, input: TransitionInput): Promise<{ applied: boolean; prev: MessageState | null }>;
  /**
   * Records the SMSC's acknowledgement of one part: its SMSC id, and the correlation
   * (smsc, smscMsgId) → (id, part). When every part 0…parts-1 has an SMSC id, the message moves
   * to SUBMITTED in the same write (if that is a forward step); `submitted` says this call did it.
   */
  recordSubmit(id: string, input: RecordSubmitInput): Promise<{ submitted: boolean }>;
  findCorrelation(smsc: string, smscMsgId: string): Promise<Correlation | null>;
  /** Sets the final state of one part unless that part is final already (and the message's, see `whole`). */
  recordPartFinal(id: string, part: number, state: MessageState, input: PartFinalInput): Promise<PartFinalResult>;
  get(id: string): Promise<MessageRecord | null>;
  /**
   * The messages of a client to a destination in a time window (by createdAt), newest first.
   * Served by an index that createMessage writes beside the record; records that expired since
   * are left out.
   */
  search(q: MessageSearch): Promise<MessageRecord[]>;
  /** Atomically adds 1 to the counter of (day, client, smsc, state). day = YYYY-MM-DD (UTC). */
  incrementStats(day: string, client: string, smsc: string, state: MessageState): Promise<void>;
  getStats(day: string, client: string, smsc: string): Promise<Partial<Record<MessageState, number>>>;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The `day` of incrementStats: the UTC date (YYYY-MM-DD) of a moment, ms since epoch. */
export const statsDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
