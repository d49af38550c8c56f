// The network map: route lines and stops on one canvas, over a plain background, or over
// the operator's base map when one is configured (tiles). Everything drawn is WGS-84 data
// passed through `coords` (gcj02.js): shifted onto a GCJ-02 base map, unchanged otherwise.

import { h, routeChip, titleCasePinyin } from './dom.js';
import { coordEdge } from './gcj02.js';
import { getLang, t } from './i18n.js';

const L = window.L;

export const STOPS_MIN_ZOOM = 15; // from here on the poles either side of a road are apart
const LABELS_MIN_ZOOM = 16;
const MAX_LABELS = 250;
const STOP_STYLE = { color: '#3d4b5c', weight: 1.5, fillColor: '#ffffff', fillOpacity: 1 };
const JINZHOU = [41.119, 121.127]; // where to look when the network is empty (WGS-84)
const TILE_MAX_NATIVE_ZOOM = 18; // what Chinese tile servers serve; deeper zooms scale it up

function lineWeight(zoom) {
  return zoom < 12 ? 2 : zoom < 14 ? 3 : zoom < 16 ? 4 : 5;
}

function lineStyle(zoom, state) {
  const weight = lineWeight(zoom);
  if (state === 'selected') return { weight: weight + 3, opacity: 1 };
  if (state === 'dimmed') return { weight: Math.max(2, weight - 1), opacity: 0.14 };
  return { weight, opacity: 0.9 };
}

function stopRadius(zoom) {
  return zoom >= 17 ? 5 : zoom >= 16 ? 4.2 : 3.5;
}

// `tiles` is the base map from /api/v1/web/config (url, crs, attribution, subdomains) or null.
export function createNetworkMap(
  element, { summary, routes, lines, stops }, { onRouteClick, tiles = null },
) {
  const coords = coordEdge(tiles ? tiles.crs : 'wgs84');
  const renderer = L.canvas({ padding: 0.5, tolerance: 5 });
  const map = L.map(element, {
    preferCanvas: true,
    renderer,
    zoomControl: false,
    attributionControl: false,
    minZoom: 3,
    maxZoom: 19,
    zoomSnap: 0.25,
    zoomDelta: 0.5,
    wheelPxPerZoomLevel: 100,
  });
  if (tiles) addBaseMap(map, tiles);
  const zoomControl = L.control.zoom({ position: 'topright' }).addTo(map);
  L.control.scale({ imperial: false, position: 'bottomleft', maxWidth: 160 }).addTo(map);
  const hint = new (L.Control.extend({
    options: { position: 'bottomright' },
    onAdd: () => h('div', { className: 'zoom-hint' }),
  }))().addTo(map);

  const routesById = new Map(routes.map((r) => [r.route_id, r]));
  const stopsById = new Map(stops.features.map((f) => [f.properties.stop_id, f]));

  // Route lines: one polyline per pattern, grouped by route for highlighting.
  const linesByRoute = new Map();
  const lineProps = new WeakMap();
  const lineLayer = L.featureGroup().addTo(map);
  for (const feature of lines.features) {
    const p = feature.properties;
    const latlngs = feature.geometry.coordinates.map(([lon, lat]) => coords.toMap(lat, lon));
    const line = L.polyline(latlngs, {
      renderer, color: p.color, lineCap: 'round', lineJoin: 'round', bubblingMouseEvents: false,
      ...lineStyle(12, 'normal'),
    });
    line.bindTooltip(() => lineTooltip(p, routesById.get(p.route_id)), {
      sticky: true, direction: 'top', offset: [0, -8], className: 'bb-tip',
    });
    line.on('click', () => onRouteClick(p.route_id));
    lineLayer.addLayer(line);
    lineProps.set(line, p);
    if (!linesByRoute.has(p.route_id)) linesByRoute.set(p.route_id, []);
    linesByRoute.get(p.route_id).push(line);
  }

  // Stop poles: small dots, on the map only when zoomed in far enough.
  const stopLayer = L.featureGroup();
  let stopsDrawn = 0;
  for (const feature of stops.features) {
    if (feature.properties.kind !== 'stop') continue;
    stopLayer.addLayer(stopMarker(feature, STOP_STYLE, 3.5));
    stopsDrawn += 1;
  }

  // The selected route's own stops, at every zoom, with its termini named.
  const selectedStopsLayer = L.featureGroup().addTo(map);
  // Station names at street zoom: DOM labels for those in view only.
  const labelLayer = L.layerGroup().addTo(map);

  let selected = null;
  let selectedByStation = null; // how the selected route's stops were last drawn

  function stopMarker(feature, style, radius) {
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.circleMarker(coords.toMap(lat, lon), {
      renderer, radius, bubblingMouseEvents: false, ...style,
    });
    marker.bindTooltip(() => stopTooltip(feature.properties), {
      direction: 'top', offset: [0, -6], className: 'bb-tip',
    });
    marker.bindPopup(() => stopPopup(feature.properties, routesById), {
      className: 'bb-popup', maxWidth: 280, autoPanPadding: [24, 24],
    });
    marker.on('popupopen', () => marker.closeTooltip()); // the popup says it all
    return marker;
  }

  function updateStops() {
    const zoom = map.getZoom();
    const show = zoom >= STOPS_MIN_ZOOM;
    if (show && !map.hasLayer(stopLayer)) stopLayer.addTo(map);
    else if (!show && map.hasLayer(stopLayer)) map.removeLayer(stopLayer);
    if (show) {
      const radius = stopRadius(zoom);
      stopLayer.eachLayer((m) => m.setRadius(radius));
      stopLayer.bringToFront();
      selectedStopsLayer.bringToFront();
    }
    element.dataset.stopsVisible = String(show);
    hint.getContainer().hidden = show || stopsDrawn === 0;
  }

  // Where names go: a station's beside its poles, clear of the street they stand on.
  const labelSpots = placeLabels(stops.features, stopsById, coords);

  function updateLabels() {
    labelLayer.clearLayers();
    if (map.getZoom() < LABELS_MIN_ZOOM) return;
    const bounds = map.getBounds().pad(0.1);
    const seen = new Set();
    const placed = []; // boxes of the labels so far, in screen pixels: no overlaps
    for (const spot of labelSpots) {
      if (!bounds.contains(spot.latlng) || seen.has(spot.props.name)) continue;
      const box = labelBox(map.latLngToContainerPoint(spot.latlng), spot);
      if (placed.some((other) => overlaps(box, other))) continue;
      placed.push(box);
      seen.add(spot.props.name);
      labelLayer.addLayer(nameLabel(spot.latlng, spot.props, spot.placement));
      if (seen.size >= MAX_LABELS) break;
    }
  }

  function restyleLines() {
    const zoom = map.getZoom();
    for (const [routeId, group] of linesByRoute) {
      const state = selected === null ? 'normal' : routeId === selected ? 'selected' : 'dimmed';
      const style = lineStyle(zoom, state);
      for (const line of group) line.setStyle(style);
    }
    if (selected !== null) for (const line of linesByRoute.get(selected)) line.bringToFront();
    if (map.hasLayer(stopLayer)) stopLayer.bringToFront();
    selectedStopsLayer.bringToFront();
  }

  // The selected route's stops: below street zoom one dot per station, else every pole.
  function drawSelectedStops() {
    selectedStopsLayer.clearLayers();
    if (selected === null) return;
    const route = routesById.get(selected);
    const color = route ? route.color : '#333333';
    const byStation = map.getZoom() < LABELS_MIN_ZOOM;
    selectedByStation = byStation;
    const place = (id) => {
      const pole = stopsById.get(id);
      const parent = pole && pole.properties.parent_station;
      return byStation && parent && stopsById.has(parent) ? stopsById.get(parent) : pole;
    };
    const termini = new Set();
    const places = new Set();
    for (const line of linesByRoute.get(selected)) {
      const stopIds = lineProps.get(line).stop_ids || [];
      for (const id of stopIds) places.add(place(id));
      if (stopIds.length) {
        termini.add(place(stopIds[0]));
        termini.add(place(stopIds[stopIds.length - 1]));
      }
    }
    places.delete(undefined);
    for (const feature of places) {
      const end = termini.has(feature);
      const style = { color, weight: end ? 3 : 2, fillColor: '#ffffff', fillOpacity: 1 };
      selectedStopsLayer.addLayer(stopMarker(feature, style, end ? 6 : 4.5));
    }
    const named = new Set(); // the poles of a terminus share its name: label it once
    for (const feature of termini) {
      if (!feature || named.has(feature.properties.name)) continue;
      named.add(feature.properties.name);
      const [lon, lat] = feature.geometry.coordinates;
      const latlng = coords.toMap(lat, lon);
      selectedStopsLayer.addLayer(nameLabel(latlng, feature.properties, 'right terminus'));
    }
  }

  function fitOptions(padding = {}) {
    return {
      paddingTopLeft: padding.topLeft || [32, 32],
      paddingBottomRight: padding.bottomRight || [32, 32],
      animate: false,
    };
  }

  function fitAll(padding) {
    const bbox = summary.bbox;
    if (bbox) {
      const bounds = L.latLngBounds([
        coords.toMap(bbox.min_lat, bbox.min_lon), coords.toMap(bbox.min_lat, bbox.max_lon),
        coords.toMap(bbox.max_lat, bbox.min_lon), coords.toMap(bbox.max_lat, bbox.max_lon),
      ]);
      map.fitBounds(bounds, fitOptions(padding));
    } else if (lineLayer.getLayers().length) {
      map.fitBounds(lineLayer.getBounds(), fitOptions(padding));
    } else {
      map.setView(coords.toMap(...JINZHOU), 12, { animate: false });
    }
  }

  function selectRoute(routeId, { fit = true, padding } = {}) {
    selected = routeId !== null && linesByRoute.has(routeId) ? routeId : null;
    restyleLines();
    drawSelectedStops();
    if (fit && selected !== null) {
      const bounds = L.featureGroup(linesByRoute.get(selected)).getBounds();
      map.fitBounds(bounds, { ...fitOptions(padding), animate: true, maxZoom: 16 });
    }
    return selected;
  }

  function refreshLanguage() {
    for (const [button, key] of [
      [zoomControl._zoomInButton, 'zoomIn'], [zoomControl._zoomOutButton, 'zoomOut'],
    ]) {
      button.title = t(key);
      button.setAttribute('aria-label', t(key)); // what a screen reader says
    }
    hint.getContainer().textContent = t('zoomHint');
    map.closePopup();
    updateLabels();
    drawSelectedStops();
  }

  map.on('zoomend', () => {
    updateStops();
    restyleLines();
    if ((map.getZoom() < LABELS_MIN_ZOOM) !== selectedByStation) drawSelectedStops();
  });
  map.on('moveend', updateLabels);
  map.on('click', () => onRouteClick(null));

  let tileLayers = 0;
  map.eachLayer((layer) => {
    if (layer instanceof L.GridLayer) tileLayers += 1; // TileLayer is a GridLayer
  });

  return {
    map,
    coords,
    selectRoute,
    fitAll,
    // views in and out are WGS-84, whatever the map draws in
    setView: ({ zoom, lat, lon }) => map.setView(coords.toMap(lat, lon), zoom, { animate: false }),
    getView() {
      const centre = map.getCenter();
      const [lat, lon] = coords.toWgs(centre.lat, centre.lng);
      return { zoom: map.getZoom(), lat, lon };
    },
    // call once a view is set: draws what depends on the zoom
    start() {
      updateStops();
      restyleLines();
      refreshLanguage();
    },
    refreshLanguage,
    routesDrawn: lineLayer.getLayers().length,
    stopsDrawn,
    tileLayers,
  };
}

// The operator's tiles under everything, credited in plain text (never as HTML).
function addBaseMap(map, tiles) {
  const attribution = escapeHtml(tiles.attribution || '');
  L.tileLayer(tiles.url, {
    subdomains: tiles.subdomains && tiles.subdomains.length ? tiles.subdomains : 'abc',
    attribution,
    maxNativeZoom: TILE_MAX_NATIVE_ZOOM,
    maxZoom: map.getMaxZoom(),
    className: 'base-tiles',
  }).addTo(map);
  if (attribution) L.control.attribution({ prefix: false, position: 'bottomright' }).addTo(map);
}

function escapeHtml(text) {
  const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

function lineTooltip(p, route) {
  const r = route || {
    short_name: p.short_name, long_name: p.long_name, route_id: p.route_id,
    color: p.color, text_color: p.text_color,
  };
  const direction = t('direction', p.direction_id);
  return h(
    'div',
    { className: 'tip-line' },
    routeChip(r),
    h('span', { className: 'tip-text' },
      p.headsign ? t('toward', p.headsign) : r.long_name || '',
      direction ? h('span', { className: 'tip-dim' }, ` · ${direction}`) : null),
  );
}

// [main name, secondary name]: Chinese first in Chinese, pinyin first in English.
export function stopNames(p) {
  const pinyin = titleCasePinyin(p.name_pinyin);
  return getLang() === 'zh' || !pinyin ? [p.name, p.name_pinyin] : [pinyin, p.name];
}

function stopTooltip(p) {
  const [main, sub] = stopNames(p);
  return h('div', { className: 'tip-stop' }, h('b', {}, main), sub ? h('span', {}, sub) : null);
}

function stopPopup(p, routesById) {
  const [main, sub] = stopNames(p);
  const served = (p.route_ids || []).map((id) => routesById.get(id)).filter(Boolean);
  return h(
    'div',
    { className: 'stop-popup' },
    h('div', { className: 'pop-kind' }, p.kind === 'station' ? t('station') : t('stopPole')),
    h('div', { className: 'pop-title' }, main),
    sub ? h('div', { className: 'pop-sub' }, sub) : null,
    p.code
      ? h('div', { className: 'pop-row' }, h('span', {}, t('stopCode')), h('b', {}, p.code))
      : null,
    served.length
      ? h('div', { className: 'pop-routes' },
        h('span', { className: 'pop-label' }, t('servedBy')),
        h('div', { className: 'pop-chips' }, served.map((r) => routeChip(r, 'small'))))
      : null,
  );
}

// The screen box a label will take, roughly (CJK characters are about twice as wide).
function labelBox(point, spot) {
  const [text] = stopNames(spot.props);
  let width = 8;
  for (const ch of text) width += ch.charCodeAt(0) > 0x2e80 ? 12 : 6.5;
  const height = 17;
  if (spot.placement === 'top') {
    return { x0: point.x - width / 2, x1: point.x + width / 2, y0: point.y - height - 6, y1: point.y };
  }
  return { x0: point.x, x1: point.x + 8 + width, y0: point.y - height / 2, y1: point.y + height / 2 };
}

function overlaps(a, b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

// A station with poles across an east-west street is named above its northern pole;
// otherwise (north-south street, lone pole) right of its eastern one. Spots in map coords.
function placeLabels(features, stopsById, coords) {
  const poles = new Map();
  for (const f of features) {
    const parent = f.properties.parent_station;
    if (f.properties.kind !== 'stop' || !parent || !stopsById.has(parent)) continue;
    if (!poles.has(parent)) poles.set(parent, []);
    poles.get(parent).push(f.geometry.coordinates);
  }
  const spots = [];
  for (const f of features) {
    const p = f.properties;
    if (p.kind === 'stop' && p.parent_station && stopsById.has(p.parent_station)) continue;
    const points = poles.get(p.stop_id) || [f.geometry.coordinates];
    const lons = points.map(([lon]) => lon);
    const lats = points.map(([, lat]) => lat);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const northSouth = Math.max(...lats) - Math.min(...lats);
    const eastWest = (Math.max(...lons) - Math.min(...lons)) * Math.cos((mean(lats) * Math.PI) / 180);
    spots.push(
      points.length > 1 && northSouth > eastWest
        ? { props: p, latlng: coords.toMap(Math.max(...lats), mean(lons)), placement: 'top' }
        : { props: p, latlng: coords.toMap(mean(lats), Math.max(...lons)), placement: 'right' },
    );
  }
  return spots;
}

function nameLabel(latlng, p, classes) {
  const [main] = stopNames(p);
  const icon = L.divIcon({
    className: `name-label ${classes}`,
    html: h('span', {}, main), // an element: the name goes in as text, never as HTML
    iconSize: [0, 0],
    iconAnchor: [0, 0],
  });
  return L.marker(latlng, { icon, interactive: false, keyboard: false });
}
