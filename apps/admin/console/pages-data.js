import { actionButton, api, enc, failText, hasRoute } from './api.js';
import { fields, fmt, form, h, note, table, time, view } from './dom.js';

const FINAL = new Set(['DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'DELETED', 'FAILED', 'POLICY_REJECTED', 'UNKNOWN']);

/** A message record: its fields, its state history in time order, its parts. */
function record(m, extra = []) {
  const history = Object.entries(m.times ?? {}).sort((a, b) => a[1] - b[1]).map(([state, at]) => ({ state, at }));
  const parts = (m.partStates ?? []).map((state, i) => ({ part: i + 1, state, smscId: m.smscIds?.[i] }));
  return h(
    'div',
    { 'data-message': m.id },
    h('h2', {}, `Message ${m.id}`),
    fields([
      ['State', m.state, 'state'],
      ['Client', m.sys, 'client'],
      ['Client reference', m.cid, 'cid'],
      ['From', m.src, 'src'],
      ['To', m.dst, 'dst'],
      ['Pool', m.pool, 'pool'],
      ['SMSC', m.smsc, 'smsc'],
      ['Parts / segments', `${fmt(m.parts)} / ${fmt(m.segments)}`, 'parts'],
      ['Error', m.err, 'err'],
      ['Created', time(m.createdAt), 'createdAt'],
      ['Updated', time(m.updatedAt), 'updatedAt'],
      ...extra,
    ]),
    h('h3', {}, 'State history'),
    h('div', { 'data-table': 'history' }, table([{ key: 'state', label: 'State' }, { key: 'at', label: 'At', cell: (r) => time(r.at) }], history)),
    h('h3', {}, 'Parts'),
    table([{ key: 'part', label: 'Part' }, { key: 'state', label: 'State' }, { key: 'smscId', label: 'SMSC id' }], parts),
  );
}

/** Lookup by UUID or SMSC id, and search by client, destination and time window. */
export function messagesPage(main, { args, can }) {
  const out = h('div', { 'data-result': 'messages' });
  const byId = async ({ id }) => {
    const m = await api(`/v1/messages/${enc(id)}`);
    const status = h('p', { className: 'error' });
    // Operators cancel what has not ended: queued, it is never sent; submitted, its SMSC is asked.
    const cancel = can('operator') && !FINAL.has(m.state) ? [actionButton('cancel', `Cancel message ${m.id}?`, `/v1/messages/${enc(m.id)}/cancel`, status, () => byId({ id }))] : [];
    out.replaceChildren(record(m), ...cancel, status);
  };
  main.append(
    h('h1', {}, 'Messages'),
    form('by-id', [{ name: 'id', label: 'Message id (UUID)', required: true, value: args[0] ?? '' }], 'Look up', out, byId),
    form('by-smsc', [{ name: 'smsc', label: 'SMSC', required: true }, { name: 'smscMsgId', label: 'SMSC message id', required: true }], 'Find', out, async (v) => {
      const r = await api(`/v1/messages/by-smsc/${enc(v.smsc)}/${enc(v.smscMsgId)}`);
      out.replaceChildren(record(r.message, [['SMSC id is part', `${r.correlation.part + 1} of ${r.correlation.parts}`, 'correlation']]));
    }),
  );
  if (hasRoute('get', '/v1/messages')) {
    const inputs = [
      { name: 'client', label: 'Client', required: true },
      { name: 'destination', label: 'Destination', required: true },
      { name: 'from', label: 'From (default: a day ago)', type: 'datetime-local' },
      { name: 'to', label: 'To', type: 'datetime-local' },
      { name: 'limit', label: 'Limit', type: 'number', value: '50' },
    ];
    main.append(
      form('search', inputs, 'Search', out, async (v) => {
        const q = new URLSearchParams();
        for (const k of ['client', 'destination', 'limit']) if (v[k]) q.set(k, v[k]);
        // datetime-local is the browser's local time; the API takes ms since the epoch.
        for (const k of ['from', 'to']) if (v[k]) q.set(k, String(new Date(v[k]).getTime()));
        const { messages } = await api(`/v1/messages?${q}`);
        const cols = [
          { key: 'id', label: 'Id', cell: (m) => h('a', { href: `#/messages/${enc(m.id)}` }, m.id) },
          { key: 'state', label: 'State' },
          { key: 'sys', label: 'Client' },
          { key: 'dst', label: 'To' },
          { key: 'smsc', label: 'SMSC' },
          { key: 'createdAt', label: 'Created', cell: (m) => time(m.createdAt) },
        ];
        out.replaceChildren(h('p', {}, `${messages.length} found`), table(cols, messages, (m) => ({ 'data-id': m.id })));
      }),
    );
  } else main.append(note('Search by client and destination: not available in this admin version.'));
  main.append(out);
  if (args[0]) byId({ id: args[0] }).catch((err) => out.replaceChildren(note(failText(err), 'error')));
}

/** The policy in force, and a dry run of a message through it. */
export function policyPage(main) {
  const rules = h('div', { 'data-result': 'policy' }, note('…'));
  main.append(h('h1', {}, 'Policy'), rules);
  api('/v1/policy').then(
    (p) => rules.replaceChildren(view(p)),
    (err) => rules.replaceChildren(note(failText(err), 'error')),
  );
  main.append(h('h2', {}, 'Dry run'));
  if (!hasRoute('post', '/v1/route-test')) return void main.append(note('Not available in this admin version.'));
  const out = h('div', { 'data-result': 'route-test' });
  const inputs = [
    { name: 'client', label: 'Client', required: true },
    { name: 'destination', label: 'Destination', required: true },
    { name: 'text', label: 'Text', type: 'textarea' },
  ];
  main.append(
    form('route-test', inputs, 'Test', out, async (v) => {
      const r = await api('/v1/route-test', { method: 'POST', body: v });
      out.replaceChildren(
        h('p', { className: r.allowed ? 'ok' : 'error', 'data-field': 'allowed' }, r.allowed ? 'Allowed' : 'Refused'),
        table([{ key: 'stage', label: 'Stage' }, { key: 'verdict', label: 'Verdict' }, { key: 'reason', label: 'Reason' }, { key: 'status', label: 'SMPP status' }], r.stages ?? [], (s) => ({ 'data-stage': s.stage })),
        fields([['Destination', r.normalisedDestination, 'destination'], ['Pool', r.pool, 'pool'], ['SMSC', r.smsc, 'smsc'], ['Encoding', r.encoding, 'encoding'], ['Segments', r.segments, 'segments'], ['Policy version', r.policyVersion, 'policyVersion']]),
      );
    }),
    out,
  );
}

/** The dead-letter stream, oldest first; replay for operators. */
export function deadLettersPage(main, { can }) {
  const body = h('div');
  const status = h('p', { className: 'error' });
  main.append(h('h1', {}, 'Dead letters'), status, body);
  const load = async (after) => {
    try {
      const r = await api(`/v1/dead-letters?count=50${after ? `&after=${enc(after)}` : ''}`);
      const cols = [
        { key: 'entryId', label: 'Entry' },
        { key: 'stream', label: 'From stream' },
        { key: 'id', label: 'Message' },
        { key: 'deliveries', label: 'Deliveries' },
        ...(can('operator') ? [{ key: 'data', label: 'Content', cell: (d) => h('details', {}, h('summary', {}, 'show'), h('pre', {}, JSON.stringify(d.data ?? null, null, 2))) }] : []),
        { key: 'replay', label: '', cell: (d) => (!d.replayable ? 'not replayable' : can('operator') ? actionButton('replay', `Replay ${d.entryId} onto ${d.stream}?`, `/v1/dead-letters/${enc(d.entryId)}/replay`, status, () => load(after)) : '') },
      ];
      body.replaceChildren(
        table(cols, r.entries, (d) => ({ 'data-entry': d.entryId })),
        r.next ? h('button', { type: 'button', onclick: () => load(r.next) }, 'Next page') : '',
        after ? h('button', { type: 'button', onclick: () => load() }, 'First page') : '',
      );
    } catch (err) {
      status.textContent = failText(err);
    }
  };
  load();
}
