// Talking to busbrain's /api/v1, the server's clock, and clock times in the network's zone.
//
// Countdowns run on the server's clock, not the phone's: every board carries `now_unix`,
// and the difference to the phone's clock is kept, so a phone set wrong (or a server on a
// simulated day) still counts down right.

let offsetS = 0; // server clock minus this device's clock, seconds
let timeZone = 'Asia/Shanghai';
let routesById = null;

export class HttpError extends Error {
  constructor(url, status, detail) {
    super(`${url}: HTTP ${status}${detail ? ` ${detail}` : ''}`);
    this.status = status;
  }
}

export async function getJson(url, init = {}) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, ...init });
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail;
    } catch {
      // not JSON
    }
    throw new HttpError(url, response.status, typeof detail === 'string' ? detail : '');
  }
  return response.status === 204 ? null : response.json();
}

export function postJson(url, body) {
  return getJson(url, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function noteServerTime(nowUnix) {
  if (Number.isFinite(nowUnix)) offsetS = nowUnix - Date.now() / 1000;
}

export function serverNow() {
  return Date.now() / 1000 + offsetS;
}

// How often live pages ask again, seconds: 10, or ?refresh=N in the address.
export function refreshSeconds() {
  const asked = Number(new URLSearchParams(window.location.search).get('refresh'));
  return Number.isFinite(asked) && asked >= 0.5 ? asked : 10;
}

export async function loadNetworkBasics() {
  const [summary, routes] = await Promise.all([
    getJson('/api/v1/network/summary'),
    getJson('/api/v1/routes'),
  ]);
  if (summary.timezone) timeZone = summary.timezone;
  routesById = new Map(routes.map((r) => [r.route_id, r]));
  return { summary, routes };
}

export function routeOf(routeId) {
  return routesById ? routesById.get(routeId) : undefined;
}

// "06:05" in the network's time zone.
export function clock(unix) {
  try {
    return new Date(unix * 1000).toLocaleTimeString('en-GB', {
      timeZone, hour: '2-digit', minute: '2-digit', hour12: false,
    });
  } catch {
    return new Date(unix * 1000).toISOString().slice(11, 16);
  }
}
