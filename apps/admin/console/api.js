import { h } from './dom.js';

const KEY = 'smsgw.console.token';
const ROLES = ['viewer', 'operator', 'admin'];
let loggedOut = () => {};
let paths = null;

// sessionStorage: the token dies with the tab and is never shared with other tabs or kept on disk.
export const auth = {
  token: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
  onLoggedOut: (fn) => (loggedOut = fn),
};

export const roleAtLeast = (have, need) => ROLES.indexOf(have) >= ROLES.indexOf(need);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A call to the admin API with the token; a 401 ends the session (back to the login screen) unless `login`. */
export async function api(path, { method = 'GET', body, token = auth.token(), login = false } = {}) {
  const headers = { authorization: `Bearer ${token ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'the admin API does not answer');
  }
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  if (res.status === 401 && !login) {
    auth.clear();
    loggedOut('The token was refused: log in again.');
  }
  throw new ApiError(res.status, data?.error ?? 'http', data?.message ?? `HTTP ${res.status}`);
}

/** Reads the API's OpenAPI paths once, so pages whose routes this admin version lacks say so instead of failing. */
export async function loadPaths() {
  try {
    const res = await fetch('/openapi.json');
    paths = res.ok ? (await res.json()).paths ?? null : null;
  } catch {
    paths = null;
  }
}

/** Whether the API has `method path` (OpenAPI form, `{param}`); when unknown, assume it has. */
export const hasRoute = (method, path) => !paths || Boolean(paths[path]?.[method.toLowerCase()]);

export const failText = (err) => (err.status === 404 && err.code === 'not_found' && /^no route/.test(err.message) ? 'Not available in this admin version.' : err.message);
export const enc = encodeURIComponent;

export const cap = (w) => w[0].toUpperCase() + w.slice(1);

/** A button that asks, then POSTs `path`; an error goes to `status`, success refreshes with `done`. */
export const actionButton = (verb, question, path, status, done) =>
  h('button', {
    type: 'button',
    className: ['drain', 'suspend', 'disconnect', 'cancel'].includes(verb) ? 'danger' : '',
    'data-action': verb,
    onclick: async () => {
      if (!confirm(question)) return;
      try {
        await api(path, { method: 'POST' });
        status.textContent = '';
        await done();
      } catch (err) {
        status.textContent = failText(err);
      }
    },
  }, cap(verb));
