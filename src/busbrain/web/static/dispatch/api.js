// Talking to /api/v1/dispatch. The session travels in the HttpOnly cookie the login set:
// this script never sees or keeps the token. A 401 on any call but the login means the
// session has ended (expired, logged out elsewhere, account disabled): the console is
// told, and goes back to the login page with a message.

const BASE = '/api/v1/dispatch';
let sessionEnded = () => {};

export class ApiError extends Error {
  constructor(path, status, detail) {
    super(`${path}: HTTP ${status}${detail ? ` ${detail}` : ''}`);
    this.status = status;
    this.detail = detail;
  }
}

export function whenSessionEnds(fn) {
  sessionEnded = fn;
}

export async function call(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(BASE + path, init);
  if (response.ok) return response.status === 204 ? null : response.json();
  let detail = '';
  try {
    const data = await response.json();
    detail = typeof data.detail === 'string' ? data.detail : JSON.stringify(data.detail);
  } catch {
    // not JSON
  }
  const error = new ApiError(path, response.status, detail);
  if (response.status === 401 && path !== '/login') sessionEnded(error);
  throw error;
}
