// The view in the address bar, so a link shows the same place and route:
// #map=<zoom>/<lat>/<lon>&route=<route_id>

export function readUrlState() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const state = { view: null, route: params.get('route') || null };
  const parts = (params.get('map') || '').split('/').map(Number);
  if (parts.length === 3 && parts.every(Number.isFinite)) {
    const [zoom, lat, lon] = parts;
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) state.view = { zoom, lat, lon };
  }
  return state;
}

export function writeUrlState({ zoom, lat, lon, route }) {
  const params = new URLSearchParams();
  params.set('map', `${Math.round(zoom * 100) / 100}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  if (route) params.set('route', route);
  // URLSearchParams escapes the slashes; they are fine in a fragment and easier to read
  const hash = `#${params.toString().replaceAll('%2F', '/')}`;
  if (hash !== window.location.hash) {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${hash}`);
  }
}
