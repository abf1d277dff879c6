/**
 * SMPP v3.4 command ids (§5.1.2). A response id is the request id with bit 31 set.
 */
export const COMMAND_IDS = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const;

export type CommandName = keyof typeof COMMAND_IDS;

const BY_ID = new Map<number, CommandName>(
  (Object.entries(COMMAND_IDS) as [CommandName, number][]).map(([name, id]) => [id, name]),
);

/** The command name for a wire id, or undefined when the id is not part of SMPP v3.4. */
export function commandName(id: number): CommandName | undefined {
  return BY_ID.get(id >>> 0);
}

export function commandId(name: CommandName): number {
  return COMMAND_IDS[name];
}

/** Bit 31 marks a response (§5.1.2); generic_nack is a response too. */
export function isResponseId(id: number): boolean {
  return (id & 0x80000000) !== 0;
}

/**
 * The response a request is answered with. Requests without a *_resp of their own
 * (outbind, alert_notification, §4.1.7 / §4.12) and unknown ids are answered with generic_nack.
 */
export function responseNameFor(name: CommandName): CommandName {
  return RESPONSE_NAMES.get(name) ?? 'generic_nack';
}

/** Worked out once: a session answers every request, and `${name}_resp` is a new string each time. */
const RESPONSE_NAMES = new Map<string, CommandName>(
  (Object.keys(COMMAND_IDS) as CommandName[]).flatMap((name) => {
    const resp = `${name}_resp`;
    return resp in COMMAND_IDS ? [[name, resp as CommandName] as const] : [];
  }),
);
