// Lidar panel: a 3D view of the points (drag to orbit, wheel to zoom) coloured by
// intensity, range, class or instance, with 3D boxes; a bird's-eye view with the boxes'
// footprints; the range and intensity images. Points are in the lidar frame (x forward,
// y left, z up).

import { columnCaption, columnsFor, css, decodeB64, el, getJsonCached, loadImage, option,
         paletteColour, turbo } from "./util.js";

const EDGES = [];
for (let i = 0; i < 8; i++) for (const b of [1, 2, 4]) if (!(i & b)) EDGES.push([i, i | b]);
const FOOTPRINT = [0, 2, 6, 4]; // the iz = 0 corners, in order around the box
const BACKGROUND = [17, 20, 26];

function decodePoints(p) {
  return { ...p, xyz: decodeB64(p.xyz, Float32Array), range: decodeB64(p.range, Float32Array),
           intensity: decodeB64(p.intensity, Float32Array),
           semantic: decodeB64(p.semantic, Int32Array),
           instance: decodeB64(p.instance, Int32Array) };
}

function colours(pts, mode, palette) {
  const out = new Uint8ClampedArray(pts.n * 3);
  let maxI = 1e-9;
  for (let i = 0; i < pts.n; i++) maxI = Math.max(maxI, pts.intensity[i]);
  for (let i = 0; i < pts.n; i++) {
    let c;
    if (mode === "intensity") c = turbo(pts.intensity[i] / maxI);
    else if (mode === "range") c = turbo(1 - pts.range[i] / pts.max_range);
    else c = paletteColour(palette, mode === "class" ? pts.semantic[i] : pts.instance[i]);
    out.set(c, 3 * i);
  }
  return out;
}

// Frame a sample: look at the median point from a distance that shows most of the points,
// and size the bird's-eye view to hold 95 % of them.
function fit(pts) {
  const stride = Math.max(1, Math.floor(pts.n / 4000));
  const sample = [];
  for (let i = 0; i < pts.n; i += stride) sample.push([pts.xyz[3 * i], pts.xyz[3 * i + 1], pts.xyz[3 * i + 2]]);
  const quantile = (values, q) => {
    if (!values.length) return 0;
    const v = [...values].sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.floor(q * v.length))];
  };
  const target = [0, 1, 2].map((a) => quantile(sample.map((p) => p[a]), 0.5));
  const spread = quantile(sample.map((p) => Math.hypot(p[0] - target[0], p[1] - target[1],
                                                       p[2] - target[2])), 0.8);
  const planar = quantile(sample.map((p) => Math.hypot(p[0], p[1])), 0.95);
  return { orbit: { yaw: Math.PI + 0.6, pitch: 0.5, dist: Math.max(1, 2.5 * spread), target },
           extent: Math.max(1, 1.1 * planar) };
}

function basis(o) {
  const eye = [o.target[0] + o.dist * Math.cos(o.pitch) * Math.cos(o.yaw),
               o.target[1] + o.dist * Math.cos(o.pitch) * Math.sin(o.yaw),
               o.target[2] + o.dist * Math.sin(o.pitch)];
  const f = o.target.map((t, i) => t - eye[i]);
  const n = Math.hypot(...f);
  const fw = f.map((v) => v / n);
  let r = [fw[1], -fw[0], 0]; // fw × up(0, 0, 1)
  const rn = Math.hypot(...r) || 1;
  r = r.map((v) => v / rn);
  const u = [r[1] * fw[2] - r[2] * fw[1], r[2] * fw[0] - r[0] * fw[2], r[0] * fw[1] - r[1] * fw[0]];
  return { eye, fw, r, u };
}

function render3d(canvas, pts, cols, boxes, orbit, showBoxes, palette) {
  const w = canvas.width, h = canvas.height;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  const data = img.data;
  for (let i = 0; i < w * h; i++) data.set([...BACKGROUND, 255], 4 * i);
  const zbuf = new Float32Array(w * h).fill(Infinity);
  const { eye, fw, r, u } = basis(orbit);
  const focal = h / (2 * Math.tan(Math.PI / 6));
  const project = (x, y, z) => {
    const d = [x - eye[0], y - eye[1], z - eye[2]];
    const depth = d[0] * fw[0] + d[1] * fw[1] + d[2] * fw[2];
    if (depth < 0.05) return null;
    return [w / 2 + focal * (d[0] * r[0] + d[1] * r[1] + d[2] * r[2]) / depth,
            h / 2 - focal * (d[0] * u[0] + d[1] * u[1] + d[2] * u[2]) / depth, depth];
  };
  for (let i = 0; i < pts.n; i++) {
    const p = project(pts.xyz[3 * i], pts.xyz[3 * i + 1], pts.xyz[3 * i + 2]);
    if (!p) continue;
    const sx = Math.floor(p[0]), sy = Math.floor(p[1]);
    for (let oy = 0; oy < 2; oy++) for (let ox = 0; ox < 2; ox++) {
      const x = sx + ox, y = sy + oy;
      if (x < 0 || y < 0 || x >= w || y >= h || zbuf[y * w + x] <= p[2]) continue;
      zbuf[y * w + x] = p[2];
      data[4 * (y * w + x)] = cols[3 * i];
      data[4 * (y * w + x) + 1] = cols[3 * i + 1];
      data[4 * (y * w + x) + 2] = cols[3 * i + 2];
    }
  }
  ctx.putImageData(img, 0, 0);
  const segment = (a, b, colour) => {
    const pa = project(...a), pb = project(...b);
    if (!pa || !pb) return;
    ctx.strokeStyle = colour;
    ctx.beginPath(); ctx.moveTo(pa[0], pa[1]); ctx.lineTo(pb[0], pb[1]); ctx.stroke();
  };
  ctx.lineWidth = 2; // the sensor's own axes at the origin: x red, y green, z blue
  segment([0, 0, 0], [0.5, 0, 0], "#e33");
  segment([0, 0, 0], [0, 0.5, 0], "#3c3");
  segment([0, 0, 0], [0, 0, 0.5], "#39f");
  ctx.lineWidth = 1.5;
  if (showBoxes) {
    for (const box of boxes) {
      const colour = css(paletteColour(palette, box.class_id));
      for (const [a, b] of EDGES) segment(box.corners[a], box.corners[b], colour);
    }
  }
}

function renderBev(canvas, pts, cols, boxes, extent, showBoxes, palette) {
  const w = canvas.width, h = canvas.height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = css(BACKGROUND);
  ctx.fillRect(0, 0, w, h);
  const s = Math.min(w, h) / 2 / extent;
  const toPx = (x, y) => [w / 2 - y * s, h / 2 - x * s]; // x forward = up, y left = left
  const step = [1, 2, 5, 10, 20, 50, 100].find((v) => extent / v <= 5) || 200;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.15)";
  ctx.fillStyle = "rgba(255, 255, 255, 0.4)";
  ctx.font = "10px sans-serif";
  for (let ring = step; ring <= extent * 1.5; ring += step) {
    ctx.beginPath(); ctx.arc(w / 2, h / 2, ring * s, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillText(`${ring} m`, w / 2 + 2, h / 2 - ring * s - 2);
  }
  for (let i = 0; i < pts.n; i++) {
    const [u, v] = toPx(pts.xyz[3 * i], pts.xyz[3 * i + 1]);
    ctx.fillStyle = `rgb(${cols[3 * i]}, ${cols[3 * i + 1]}, ${cols[3 * i + 2]})`;
    ctx.fillRect(u - 1, v - 1, 2, 2);
  }
  ctx.fillStyle = "#fff"; // the sensor, pointing forward
  ctx.beginPath(); ctx.moveTo(w / 2, h / 2 - 7); ctx.lineTo(w / 2 - 4, h / 2 + 4);
  ctx.lineTo(w / 2 + 4, h / 2 + 4); ctx.fill();
  if (!showBoxes) return;
  ctx.lineWidth = 1.5;
  ctx.font = "11px sans-serif";
  for (const box of boxes) {
    const colour = css(paletteColour(palette, box.class_id));
    ctx.strokeStyle = colour;
    ctx.beginPath();
    FOOTPRINT.forEach((c, i) => {
      const [u, v] = toPx(box.corners[c][0], box.corners[c][1]);
      if (i === 0) ctx.moveTo(u, v); else ctx.lineTo(u, v);
    });
    ctx.closePath(); ctx.stroke();
    const [u, v] = toPx(box.corners[7][0], box.corners[7][1]);
    ctx.fillStyle = colour;
    ctx.fillText(`${box.class} #${box.instance}`, u + 3, v - 3);
  }
}

export function lidarPanel(store, lid) {
  const opts = { colour: "intensity", ret: "0", boxes: true };
  let last = null, orbit = null, extent = 10, shown = [], generation = 0, fittedFor = null;
  const colourSel = el("select", { name: "colour", onchange: (e) => {
    opts.colour = e.target.value; redraw(); } },
  ...["intensity", "range", "class", "instance"].map((m) => option(m, m)));
  const retSel = lid.slots > 1 ? el("select", { name: "return", onchange: (e) => {
    opts.ret = e.target.value; update(last); } },
  option("0", "first (strongest)"), option("1", "second (last)"), option("both", "both"))
    : null;
  const controls = el("div", { class: "controls" }, el("label", {}, "colour by ", colourSel),
    retSel && el("label", {}, "returns ", retSel),
    el("label", { class: "toggle" }, el("input", { type: "checkbox", checked: true,
      dataset: { layer: "lidar-boxes" },
      onchange: (e) => { opts.boxes = e.target.checked; redraw(); } }), "3D boxes"),
    el("button", { type: "button", onclick: () => { fittedFor = null; update(last); } },
      "reset view"), el("span", { class: "muted" }, "drag to orbit, wheel to zoom"));
  const body = el("div", { class: "columns" });
  const element = el("section", { class: "panel lidar", id: `lidar-${lid.name}` },
    el("h2", {}, `Lidar ${lid.name}`,
       el("small", {}, ` ${lid.rings} rings × ${lid.columns} columns` +
          (lid.slots > 1 ? ", dual return" : ""))), controls, body);

  function redraw() {
    for (const c of shown) {
      const cols = colours(c.pts, opts.colour, store.palette);
      render3d(c.view3d, c.pts, cols, c.pts.boxes, orbit, opts.boxes, store.palette);
      renderBev(c.bev, c.pts, cols, c.pts.boxes, extent, opts.boxes, store.palette);
    }
  }

  function attachOrbit(canvas) {
    let drag = null;
    canvas.addEventListener("pointerdown", (e) => {
      drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointerup", () => { drag = null; });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      orbit.yaw -= (e.clientX - drag[0]) * 0.01;
      orbit.pitch = Math.max(-1.5, Math.min(1.5, orbit.pitch + (e.clientY - drag[1]) * 0.01));
      drag = [e.clientX, e.clientY];
      redraw();
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      orbit.dist = Math.max(0.2, orbit.dist * Math.exp(e.deltaY * 0.001));
      redraw();
    }, { passive: false });
  }

  async function column(view, variant, gen) {
    const base = `/api/sample/${view.k}/lidar/${lid.name}/${view.frame}`;
    const q = { variant: variant ? variant.id : "", return: opts.ret === "0" ? "" : opts.ret };
    const imgQ = { variant: q.variant, return: opts.ret === "1" ? "1" : "" };
    const [raw, rangeImg, intenImg] = await Promise.all([
      getJsonCached(`${base}/points.json`, q), loadImage(`${base}/range.png`, imgQ),
      loadImage(`${base}/intensity.png`, imgQ)]);
    if (gen !== generation) return null;
    const role = variant ? "corrupted" : "clean";
    const view3d = el("canvas", { width: 480, height: 360, class: "lidar-3d",
                                  dataset: { role, sensor: lid.name } });
    const bev = el("canvas", { width: 360, height: 360, class: "lidar-bev",
                               dataset: { role, sensor: lid.name } });
    attachOrbit(view3d);
    const strip = (img, label) => {
      const copy = el("img", { src: img.src, class: "range-image", alt: label, title: label,
                               dataset: { role } });
      copy.style.height = `${Math.max(48, lid.rings * 4)}px`;
      return el("div", {}, el("div", { class: "muted" }, label), copy);
    };
    const figure = el("figure", { class: "column" }, columnCaption(variant, `lidar/${lid.name}`),
      el("div", { class: "lidar-views" }, view3d, bev),
      strip(rangeImg, "range image (rows: highest beam on top)"),
      strip(intenImg, "intensity image"));
    return { figure, view3d, bev, pts: decodePoints(raw) };
  }

  async function update(view) {
    last = view;
    if (!view) return;
    const gen = ++generation;
    try {
      const { columns, note } = columnsFor(view, `lidar/${lid.name}`);
      const cols = await Promise.all(columns.map((v) => column(view, v, gen)));
      if (gen !== generation) return;
      const key = String(view.k); // keep the user's view across frames of one sample
      if (fittedFor !== key || !orbit) { // a new sample: frame it; else keep the user's view
        ({ orbit, extent } = fit(cols[0].pts));
        fittedFor = key;
      }
      shown = cols;
      body.replaceChildren(...cols.map((c) => c.figure), note || "");
      redraw();
    } catch (err) {
      if (gen === generation) body.replaceChildren(el("p", { class: "error" }, String(err)));
    }
  }

  return { element, update };
}
