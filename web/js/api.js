// The JSON API, as every other client uses it. The browser is signed in by
// its session cookie (HttpOnly: this code never sees it); changes carry the
// session's CSRF token, kept in memory only. Nothing goes to localStorage.

let csrfToken = '';
let onUnauthorized = null;

export function setCsrfToken(token) { csrfToken = token || ''; }
// fn(error) -> a promise of true when the user signed in again.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// A problem document (RFC 9457) or a network failure.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.title = problem.title || '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = problem.requestId || '';
  }
}

const kNetworkProblem = { title: 'サーバーに接続できませんでした。ネットワークの状態を確認して、もう一度お試しください。' };

// Sends a request. body: an object sent as JSON. Returns the parsed JSON, null
// for 204, or the Response itself with {raw: true}. Throws ApiError.
export async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, kNetworkProblem);
  }
  if (!res.ok) {
    let problem = {};
    try { problem = await res.json(); } catch (e) { problem = {}; }
    const error = new ApiError(res.status, problem);
    // A 401 is answered before anything is done, so once the user has signed
    // in again (in a dialog over the page) the same request is simply sent again.
    if (res.status === 401 && onUnauthorized && !options.noAuthRedirect) {
      const regained = await onUnauthorized(error);
      if (regained) return api(method, path, body, { ...options, noAuthRedirect: true });
    }
    throw error;
  }
  if (options.raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

// A document as a Blob (PDF preview, frozen copies), with the response headers.
export async function fetchBlob(method, path, body) {
  const res = await api(method, path, body, { raw: true, headers: { Accept: 'application/pdf, application/json' } });
  return { blob: await res.blob(), headers: res.headers };
}
