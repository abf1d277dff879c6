import { actionButton, api, cap, enc, failText, hasRoute } from './api.js';
import { ago, every, fmt, h, note, table } from './dom.js';

const sum = (xs, key) => xs.reduce((n, x) => n + (x[key] ?? 0), 0);
const FAILED = ['UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'FAILED', 'UNKNOWN', 'POLICY_REJECTED'];

const card = (key, label, value, bad = false) => h('div', { className: bad ? 'card bad' : 'card', 'data-card': key }, h('div', { className: 'value' }, value), h('div', { className: 'label' }, label));

/** Throughput from two polls of entries-added, lag per stream, links, dead letters, today's outcomes. */
export function overviewPage(main) {
  const cards = h('div', { className: 'cards' });
  const streams = h('div');
  const status = h('p', { className: 'error' });
  main.append(h('h1', {}, 'Overview'), cards, h('h2', {}, 'Streams'), streams, status);
  let prev = null;
  return every(2000, async () => {
    try {
      const o = await api('/v1/overview');
      const before = new Map((prev?.streams ?? []).map((s) => [s.stream, s.entriesAdded]));
      const dt = prev ? (o.at - prev.at) / 1000 : 0;
      const rateOf = (s) => (dt > 0 && before.has(s.stream) ? Math.max(0, s.entriesAdded - before.get(s.stream)) / dt : null);
      const rate = (kind) => {
        const rs = o.streams.filter((s) => s.kind === kind).map(rateOf);
        return rs.some((r) => r === null) ? '…' : rs.reduce((a, b) => a + b, 0).toFixed(1);
      };
      const today = o.today ?? {};
      const failed = FAILED.reduce((n, s) => n + (today[s] ?? 0), 0);
      cards.replaceChildren(
        card('in', 'msg/s in (accepted)', rate('in')),
        card('out', 'msg/s out (routed to SMSCs)', rate('out')),
        // Counted apart from dlr-in's entries: a sender writes the receipts of one moment as one entry.
        card('receipts', 'receipts/s from SMSCs', dt > 0 ? (Math.max(0, o.receiptsIn - prev.receiptsIn) / dt).toFixed(1) : '…'),
        card('links-up', 'links up', o.links.up),
        card('links-down', 'links down', o.links.down, o.links.down > 0),
        card('links-stopped', 'links drained or suspended', o.links.stopped),
        card('dead-letters', 'dead letters', o.deadLetters, o.deadLetters > 0),
        ...(o.today ? [card('delivered', 'delivered today', today.DELIVERED ?? 0), card('failed', 'failed today', failed, failed > 0)] : []),
      );
      const cols = [
        { key: 'stream', label: 'Stream' },
        { key: 'kind', label: 'Kind' },
        { key: 'length', label: 'Length' },
        { key: 'lag', label: 'Lag (not read)' },
        { key: 'pending', label: 'Pending (not acked)' },
        { key: 'rate', label: 'Entries/s', cell: (s) => (rateOf(s) === null ? '…' : rateOf(s).toFixed(1)) },
      ];
      streams.replaceChildren(table(cols, o.streams, (s) => ({ 'data-stream': s.stream })));
      status.textContent = '';
      prev = o;
    } catch (err) {
      status.textContent = failText(err);
    }
  });
}

const VERBS = { drain: 'draining', suspend: 'suspended', resume: 'active' };

/** The SMSC links as the senders report them; drain / suspend / resume for operators. */
export function linksPage(main, { can }) {
  const body = h('div');
  const status = h('p', { className: 'error', 'data-status': 'links' });
  const pollStatus = h('p', { className: 'error' });
  main.append(h('h1', {}, 'SMSC links'), body, status, pollStatus);
  const refresh = async () => {
    try {
      const { links } = await api('/v1/links');
      const act = (l, verb) => actionButton(verb, `${cap(verb)} link ${l.smsc}?`, `/v1/links/${enc(l.smsc)}/${verb}`, status, refresh);
      const cols = [
        { key: 'smsc', label: 'SMSC' },
        { key: 'mode', label: 'Mode', cell: (l) => (l.setBy ? `${l.mode} (by ${l.setBy})` : l.mode) },
        { key: 'senders', label: 'Senders', cell: (l) => l.senders.map((s) => `${s.instance}: ${s.mode}`).join(', ') || 'none reporting' },
        { key: 'bound', label: 'Bound' },
        { key: 'sessions', label: 'Sessions', cell: (l) => sum(l.senders, 'sessions') },
        { key: 'inFlight', label: 'In flight', cell: (l) => sum(l.senders, 'inFlight') },
        { key: 'lastHeard', label: 'Last heard', cell: (l) => ago(Math.max(0, ...l.senders.map((s) => s.lastHeardAt ?? 0))) },
        { key: 'throughput', label: 'Throughput', cell: (l) => (l.throughput ? `${l.throughput}/s` : 'unlimited') },
        ...(can('operator') ? [{ key: 'actions', label: '', cell: (l) => Object.keys(VERBS).filter((v) => VERBS[v] !== l.mode).map((v) => act(l, v)) }] : []),
      ];
      body.replaceChildren(table(cols, links, (l) => ({ 'data-smsc': l.smsc })));
      pollStatus.textContent = '';
    } catch (err) {
      pollStatus.textContent = failText(err);
    }
  };
  return every(2000, refresh);
}

/** The SMPP clients: binds, rates, backlogs; suspend / resume / disconnect for operators. */
export function clientsPage(main, { can }) {
  main.append(h('h1', {}, 'Clients'));
  if (!hasRoute('get', '/v1/clients')) return void main.append(note('Not available in this admin version.'));
  const body = h('div');
  const status = h('p', { className: 'error' });
  main.append(body, status, h('button', { type: 'button', onclick: () => refresh() }, 'Refresh'));
  const refresh = async () => {
    try {
      const { clients } = await api('/v1/clients');
      const act = (c, verb) => actionButton(verb, `${cap(verb)} client ${c.systemId}?`, `/v1/clients/${enc(c.systemId)}/${verb}`, status, refresh);
      const cols = [
        { key: 'systemId', label: 'System id' },
        { key: 'source', label: 'From' },
        { key: 'suspended', label: 'Suspended', cell: (c) => (c.suspended ? 'yes' : 'no') },
        { key: 'binds', label: 'Binds', cell: (c) => (c.binds.length ? c.binds.map((b) => h('div', {}, `${b.mode} ${fmt(b.address)} on ${fmt(b.instance)} since ${ago(b.since)}`)) : 'none') },
        { key: 'submitRate', label: 'Submits/s' },
        { key: 'backlog', label: 'Backlog' },
        { key: 'receiptBacklog', label: 'Receipts waiting' },
        { key: 'config', label: 'Config', cell: (c) => h('details', {}, h('summary', {}, 'show'), h('pre', {}, JSON.stringify(c.config ?? {}, null, 2))) },
        ...(can('operator') ? [{ key: 'actions', label: '', cell: (c) => [act(c, c.suspended ? 'resume' : 'suspend'), act(c, 'disconnect')] }] : []),
      ];
      body.replaceChildren(table(cols, clients, (c) => ({ 'data-client': c.systemId })));
      status.textContent = '';
    } catch (err) {
      status.textContent = failText(err);
    }
  };
  refresh();
}
