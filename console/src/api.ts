/**
 * The one way the console talks to the API: the credential goes in the
 * Authorization header only (never a URL, never a log); a 401 anywhere ends
 * the session and returns to sign-in.
 */
const STORAGE_KEY = 'agent-ledger.credential';

let credential: string | null = sessionStorage.getItem(STORAGE_KEY);
const listeners = new Set<(reason: string | null) => void>();

export function hasCredential(): boolean {
  return credential !== null;
}

export function signIn(value: string): void {
  credential = value;
  sessionStorage.setItem(STORAGE_KEY, value);
  listeners.forEach((l) => l(null));
}

export function signOut(reason: string | null = null): void {
  credential = null;
  sessionStorage.removeItem(STORAGE_KEY);
  listeners.forEach((l) => l(reason));
}

export function onSessionChange(listener: (reason: string | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | undefined | null>;

export function withQuery(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const s = query.toString();
  return s ? `${path}?${s}` : path;
}

/** fetch with the credential; a non-2xx answer is thrown as ApiFailure with the API's own message. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  if (credential === null) throw new ApiFailure(401, 'UNAUTHORIZED', 'not signed in');
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${credential}`);
  const res = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  if (res.ok) return res;
  let code = 'HTTP_' + res.status;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body?.error) ({ code, message } = body.error);
  } catch {
    /* not JSON */
  }
  if (res.status === 401) signOut(message);
  throw new ApiFailure(res.status, code, message);
}

export async function getJson<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  const res = await request(withQuery(path, params), { signal });
  return (await res.json()) as T;
}

/** Whether a route this server may not have yet exists: a 404 NOT_FOUND ("no route") means no. */
export async function routeExists(path: string): Promise<boolean> {
  const abort = new AbortController();
  try {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${credential}` }, signal: abort.signal, credentials: 'omit', cache: 'no-store' });
    return res.status !== 404;
  } catch {
    return false;
  } finally {
    abort.abort();
  }
}
