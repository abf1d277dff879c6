/** Where the admin API listens unless --url or SMSGW_URL say otherwise (admin.host/admin.port defaults). */
export const DEFAULT_URL = 'http://127.0.0.1:9106';

/** A request that did not succeed: the API's `{ error, message }`, or why it could not be asked. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status; undefined when no answer came. */
    readonly status?: number,
    /** The API's stable error code (apps/admin errors.ts), when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ApiClient {
  /** The base URL as requests use it (no trailing slash). */
  readonly url: string;
  get<T>(path: string): Promise<T>;
  /** A JSON body (an object), or text sent with its content type (a CSV file). */
  post<T>(path: string, body?: RequestBody): Promise<T>;
  put<T>(path: string, body?: RequestBody): Promise<T>;
  delete<T>(path: string, body?: RequestBody): Promise<T>;
}

export type RequestBody = object | { text: string; type: string };

export interface ApiClientOptions {
  url: string;
  /** Sent as `Authorization: Bearer …`; never part of an error message. */
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const isErrorBody = (b: unknown): b is { error: string; message: string } =>
  typeof b === 'object' && b !== null && typeof (b as { error?: unknown }).error === 'string' && typeof (b as { message?: unknown }).message === 'string';

/** Why fetch could not get an answer, in words an operator can act on. */
function unreachable(url: string, err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer from the admin API at ${url} within ${timeoutMs / 1000} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return `cannot connect to the admin API at ${url} (connection refused): is it running? (set SMSGW_URL or --url)`;
  // fetch itself refuses ports of other protocols (the Fetch standard's "bad ports": 1, 9, 25…).
  if (e.cause?.message === 'bad port') return `cannot reach the admin API at ${url}: fetch refuses that port (a "bad port"); is --url right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host of ${url} (set SMSGW_URL or --url)`;
  return `cannot reach the admin API at ${url}: ${e.cause?.message ?? e.message}`;
}

/**
 * The admin API over HTTP with a bearer token. Every answer but a 2xx with JSON becomes an
 * ApiError carrying the API's own message; a 401 says how to pass a token instead, since the API
 * deliberately does not say whether the token was missing or wrong.
 */
export function createApiClient(opts: ApiClientOptions): ApiClient {
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
  } catch {
    throw new ApiError(`--url: ${opts.url} is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ApiError(`--url: ${opts.url} is not an http(s) URL`);
  // Keep a path prefix (the API behind a reverse proxy at /smsgw/): requests append to it.
  const base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: RequestBody): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const isText = (b: RequestBody): b is { text: string; type: string } => typeof (b as { text?: unknown }).text === 'string' && typeof (b as { type?: unknown }).type === 'string';
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = isText(body) ? body.type : 'application/json';
      payload = isText(body) ? body.text : JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new ApiError(unreachable(base, err, timeoutMs));
    }
    const text = await res.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (res.status === 401) throw new ApiError('unauthorized: set SMSGW_TOKEN or --token', 401, 'unauthorized');
    if (!res.ok) {
      if (isErrorBody(answer)) throw new ApiError(answer.message, res.status, answer.error);
      throw new ApiError(`HTTP ${res.status} from ${base}${path} (is --url the admin API?)`, res.status);
    }
    if (answer === undefined) throw new ApiError(`the answer from ${base}${path} is not JSON (is --url the admin API?)`, res.status);
    return answer as T;
  }

  return {
    url: base,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    delete: (path, body) => request('DELETE', path, body),
  };
}
