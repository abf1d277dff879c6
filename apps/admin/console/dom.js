// Every node is built here from text: data from the API is only ever a text node or a
// property value, never parsed as HTML.

/** An element with properties (`on<event>` handlers, `data-*`/`aria-*` attributes) and children (strings become text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k.startsWith('data-') || k.startsWith('aria-')) el.setAttribute(k, String(v));
    else el[k] = v;
  }
  el.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return el;
}

export const fmt = (v) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
export const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');
export const ago = (ms) => (ms ? `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago` : 'never');
export const note = (text, cls = 'muted') => h('p', { className: cls }, text);

/** A table: `cols` = [{ key, label, cell?(row) }]; each cell carries `data-col`, each row `rowProps(row)`. */
export function table(cols, rows, rowProps = () => ({})) {
  const body = rows.length
    ? rows.map((r) => h('tr', rowProps(r), cols.map((c) => h('td', { 'data-col': c.key }, c.cell ? c.cell(r) : fmt(r[c.key])))))
    : h('tr', {}, h('td', { colSpan: cols.length, className: 'muted' }, 'none'));
  return h('table', {}, h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c.label ?? c.key)))), h('tbody', {}, body));
}

/** Label / value pairs; each value carries `data-field`. */
export const fields = (pairs) => h('dl', {}, pairs.map(([label, value, key]) => [h('dt', {}, label), h('dd', { 'data-field': key ?? label.toLowerCase() }, value instanceof Node ? value : fmt(value))]));

const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const isFlat = (x) => isObj(x) && Object.values(x).every((y) => y === null || typeof y !== 'object');

/** Any JSON value readably: lists of objects and maps of flat objects as tables, objects as fields. */
export function view(v, depth = 0) {
  if (v === null || typeof v !== 'object') return h('span', {}, fmt(v));
  if (Array.isArray(v)) {
    if (v.length && v.every(isObj)) return table([...new Set(v.flatMap(Object.keys))].map((key) => ({ key })), v);
    return h('span', {}, v.map(fmt).join(', ') || '—');
  }
  const entries = Object.entries(v);
  if (!entries.length) return h('span', {}, '—');
  if (entries.every(([, x]) => isFlat(x))) return table(['name', ...new Set(entries.flatMap(([, x]) => Object.keys(x)))].map((key) => ({ key })), entries.map(([name, x]) => ({ name, ...x })));
  if (depth > 2) return h('pre', {}, JSON.stringify(v, null, 2));
  return fields(entries.map(([k, x]) => [k, view(x, depth + 1), k]));
}

/** An inline form; `run(values)` gets the trimmed inputs; what it throws is shown in `out`. */
export function form(name, inputs, button, out, run) {
  const els = inputs.map((f) => h(f.type === 'textarea' ? 'textarea' : 'input', { name: f.name, type: f.type === 'textarea' ? undefined : f.type ?? 'text', required: !!f.required, placeholder: f.placeholder ?? '', value: f.value ?? '' }));
  const submit = async (e) => {
    e.preventDefault();
    out.replaceChildren(note('…'));
    try {
      await run(Object.fromEntries(els.map((el) => [el.name, el.type === 'textarea' ? el.value : el.value.trim()])));
    } catch (err) {
      out.replaceChildren(note(err.message, 'error'));
    }
  };
  return h('form', { className: 'inline', 'data-form': name, onsubmit: submit }, inputs.map((f, i) => h('label', {}, f.label, els[i])), h('button', { type: 'submit' }, button));
}

/** Runs `fn` now and `ms` after each run ends, until the returned stop is called. */
export function every(ms, fn) {
  let alive = true;
  let timer;
  const tick = async () => {
    await fn();
    if (alive) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}
