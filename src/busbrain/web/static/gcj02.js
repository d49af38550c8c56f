// WGS-84 ⇄ GCJ-02 ("Mars" coordinates), for drawing on base maps published in China.
//
// The network, the buses and the address bar are WGS-84 (GPS, GTFS). Chinese tile servers
// (AMap, Tencent) draw in GCJ-02: WGS-84 plus a smooth offset of a few hundred metres,
// computed on the Krasovsky 1940 ellipsoid, and none outside China (a rough box). The
// forward transform is a closed formula; its inverse has none and is found by iterating
// the forward one. Same formulas as busbrain.domain.chinacoords (the tests compare them).
// Positions are (lon, lat) in degrees, longitude first, as there.

const A = 6378245.0; // Krasovsky 1940 semi-major axis, metres
const EE = 0.00669342162296594323; // its first eccentricity squared
const CHINA_LON = [72.004, 137.8347];
const CHINA_LAT = [0.8293, 55.8271];
const TOLERANCE_DEG = 1e-9; // about 0.1 mm
const MAX_ITERATIONS = 30;
const { PI, sin, cos, sqrt, abs } = Math;

export function outsideChina(lon, lat) {
  const inLon = CHINA_LON[0] <= lon && lon <= CHINA_LON[1];
  return !(inLon && CHINA_LAT[0] <= lat && lat <= CHINA_LAT[1]);
}

function offsetLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x));
  r += ((20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2) / 3;
  r += ((20.0 * sin(y * PI) + 40.0 * sin((y / 3.0) * PI)) * 2) / 3;
  r += ((160.0 * sin((y / 12.0) * PI) + 320.0 * sin((y * PI) / 30.0)) * 2) / 3;
  return r;
}

function offsetLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x));
  r += ((20.0 * sin(6.0 * x * PI) + 20.0 * sin(2.0 * x * PI)) * 2) / 3;
  r += ((20.0 * sin(x * PI) + 40.0 * sin((x / 3.0) * PI)) * 2) / 3;
  r += ((150.0 * sin((x / 12.0) * PI) + 300.0 * sin((x / 30.0) * PI)) * 2) / 3;
  return r;
}

// WGS-84 → GCJ-02, [lon, lat] degrees. The identity outside China.
export function wgs84ToGcj02(lon, lat) {
  if (outsideChina(lon, lat)) return [lon, lat];
  const x = lon - 105.0;
  const y = lat - 35.0;
  const radLat = (lat * PI) / 180.0;
  const magic = 1.0 - EE * sin(radLat) ** 2;
  const sqrtMagic = sqrt(magic);
  const dLat = (offsetLat(x, y) * 180.0) / (((A * (1.0 - EE)) / (magic * sqrtMagic)) * PI);
  const dLon = (offsetLon(x, y) * 180.0) / ((A / sqrtMagic) * cos(radLat) * PI);
  return [lon + dLon, lat + dLat];
}

// GCJ-02 → WGS-84, [lon, lat] degrees: the fixed point of p ← p − (forward(p) − target),
// which contracts in a few steps because the offset varies slowly. Identity outside China.
export function gcj02ToWgs84(lon, lat) {
  if (outsideChina(lon, lat)) return [lon, lat];
  let [x, y] = [lon, lat];
  for (let i = 0; i < MAX_ITERATIONS; i += 1) {
    const [fx, fy] = wgs84ToGcj02(x, y);
    const dx = fx - lon;
    const dy = fy - lat;
    x -= dx;
    y -= dy;
    if (abs(dx) < TOLERANCE_DEG && abs(dy) < TOLERANCE_DEG) break;
  }
  return [x, y];
}

// The edge between the page's WGS-84 data and the map's coordinates, in Leaflet's
// [lat, lon] order: toMap for whatever is drawn, toWgs for whatever is read back (the
// view saved in the address bar). For a base map in GCJ-02 it shifts; otherwise (no base
// map, or a WGS-84 one) it is the identity.
export function coordEdge(crs) {
  if (crs !== 'gcj02') {
    return { crs: 'wgs84', toMap: (lat, lon) => [lat, lon], toWgs: (lat, lon) => [lat, lon] };
  }
  return {
    crs: 'gcj02',
    toMap(lat, lon) {
      const [x, y] = wgs84ToGcj02(lon, lat);
      return [y, x];
    },
    toWgs(lat, lon) {
      const [x, y] = gcj02ToWgs84(lon, lat);
      return [y, x];
    },
  };
}
