// Shared helpers: API access with a busy counter (tests and the status line wait on it),
// DOM building, colour maps matching the server's (simengine/viewer/images.py).

const state = { busy: 0 };

function setBusy(delta) {
  state.busy += delta;
  document.body.dataset.busy = String(state.busy);
  const status = document.getElementById("status");
  if (status) status.textContent = state.busy > 0 ? "loading…" : "";
}

// Track any promise in the busy counter.
export async function track(promise) {
  setBusy(+1);
  try {
    return await promise;
  } finally {
    setBusy(-1);
  }
}

export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function getJson(path, query = {}) {
  return track((async () => {
    const res = await fetch(apiUrl(path, query));
    if (!res.ok) {
      let msg = res.statusText;
      try { msg = (await res.json()).error || msg; } catch (_) { /* not JSON */ }
      throw new Error(`${path}: ${res.status} ${msg}`);
    }
    return res.json();
  })());
}

const imageCache = new Map(); // url -> Promise<HTMLImageElement>; data never changes while we run

export function loadImage(path, query = {}) {
  const url = apiUrl(path, query);
  if (!imageCache.has(url)) {
    const img = new Image();
    img.src = url;
    const p = track(img.decode().then(() => img));
    p.catch(() => imageCache.delete(url));
    imageCache.set(url, p);
    if (imageCache.size > 400) imageCache.delete(imageCache.keys().next().value);
  }
  return imageCache.get(url);
}

// el("div", {class: "x", onclick: f}, child, "text", ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v); // CSSOM: allowed by the page's CSP
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function option(value, label, selected = false) {
  const o = el("option", { value }, label);
  o.selected = selected;
  return o;
}

// Turbo colour map, the same polynomial as images.turbo; t in [0, 1] -> [r, g, b].
const TURBO = [
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
];
export function turbo(t) {
  const x = Math.min(1, Math.max(0, t));
  return TURBO.map((c) => {
    let v = 0;
    for (let i = 5; i >= 0; i--) v = v * x + c[i];
    return Math.max(0, Math.min(255, Math.round(v * 255)));
  });
}

export function paletteColour(palette, id) {
  if (id < 0) return [255, 0, 255]; // data the corruption replaced: its label is unknown
  return palette[id % palette.length];
}

export function css([r, g, b], a = 1) {
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

export function decodeB64(text, Type) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

export function fmt(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (Array.isArray(v)) return "[" + v.map(fmt).join(", ") + "]";
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export function variantLabel(variant) {
  if (!variant) return "clean";
  const applied = variant.applied.map((a) => `${a.corruption} s${a.severity}`).join(" + ");
  return `corrupted: ${applied || "nothing applied"} (${variant.id})`;
}

const jsonCache = new Map(); // url -> Promise of parsed JSON, for per-sample payloads

export function getJsonCached(path, query = {}) {
  const url = apiUrl(path, query);
  if (!jsonCache.has(url)) {
    const p = getJson(path, query);
    p.catch(() => jsonCache.delete(url));
    jsonCache.set(url, p);
    if (jsonCache.size > 200) jsonCache.delete(jsonCache.keys().next().value);
  }
  return jsonCache.get(url);
}

// Caption of one column of a panel: clean, or the variant (and whether it changed `head`).
export function columnCaption(variant, head) {
  if (!variant) return el("div", { class: "col-caption clean" }, "clean");
  const touched = variant.heads.includes(head);
  return el("div", { class: "col-caption corrupted" }, variantLabel(variant),
    touched ? null : el("span", { class: "muted" }, " — leaves this sensor unchanged"));
}

// What one sensor's panel shows: a variant that leaves the sensor alone adds nothing to
// compare, so the panel shows the clean data and a note naming this sample's corruptions
// that do change it (clicking one picks it).
export function columnsFor(view, head) {
  const v = view.variant;
  if (!v || v.heads.includes(head)) return { columns: view.columns, note: null };
  const here = view.labels.variants.filter((x) => x.heads.includes(head))
    .flatMap((x) => x.applied);
  const links = here.map((a) => el("button", { type: "button", class: "linkish",
    onclick: () => view.pick(a.corruption, String(a.severity)) },
  `${a.corruption} s${a.severity}`));
  const note = el("p", { class: "note muted" },
    `${variantLabel(v)} leaves this sensor unchanged. `,
    links.length ? "Corruptions of it in this sample: " : "No corruption of it in this sample.",
    ...links);
  return { columns: [null], note };
}
