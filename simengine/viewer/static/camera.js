// Camera panel: RGB (clean or corrupted) with toggle layers: depth, instance and semantic
// masks, normals, flow, the corruption mask, 2D boxes (visible, amodal) and projected 3D
// boxes with class labels.

import { columnCaption, columnsFor, css, el, getJsonCached, loadImage, paletteColour }
  from "./util.js";

const IMAGE_LAYERS = ["depth", "instance", "semantic", "normals", "flow", "mask"];
const VECTOR_LAYERS = { boxes2d: "2D boxes", amodal: "amodal boxes", boxes3d: "3D boxes",
                        labels: "labels" };
const TARGET_WIDTH = 640; // canvas width on the page; small test images are scaled up

function boxEdges() { // corner 4·ix + 2·iy + iz: an edge joins corners differing in one bit
  const edges = [];
  for (let i = 0; i < 8; i++) for (const b of [1, 2, 4]) if (!(i & b)) edges.push([i, i | b]);
  return edges;
}
const EDGES = boxEdges();

export function cameraPanel(store, cam) {
  const on = { boxes2d: true, labels: true };
  let opacity = 0.6;
  let last = null;
  let generation = 0;
  const checkbox = (name, label) => el("label", { class: "toggle" },
    el("input", { type: "checkbox", name, dataset: { layer: name }, checked: !!on[name],
                  onchange: (e) => { on[name] = e.target.checked; draw(); } }), label);
  const controls = el("div", { class: "controls" },
    ...IMAGE_LAYERS.filter((l) => cam.layers.includes(l)).map((l) => checkbox(l, l)),
    ...Object.entries(VECTOR_LAYERS).map(([k, label]) => checkbox(k, label)),
    el("label", {}, "opacity ", el("input", {
      type: "range", min: "0", max: "1", step: "0.05", value: String(opacity),
      oninput: (e) => { opacity = Number(e.target.value); draw(); } })));
  const body = el("div", { class: "columns" });
  const element = el("section", { class: "panel camera", id: `camera-${cam.name}` },
    el("h2", {}, `Camera ${cam.name}`, el("small", {}, ` ${cam.width}×${cam.height}`)),
    controls, body);

  async function drawColumn(view, variant, role, gen) {
    const scale = TARGET_WIDTH / cam.width;
    const base = `/api/sample/${view.k}/camera/${cam.name}/${view.frame}`;
    const vq = { variant: variant ? variant.id : "" };
    const wanted = IMAGE_LAYERS.filter((l) => on[l] && cam.layers.includes(l) &&
                                              (l !== "mask" || variant));
    const [rgb, boxes, ...layers] = await Promise.all([
      loadImage(`${base}/rgb.png`, vq), getJsonCached(`${base}/boxes.json`),
      ...wanted.map((l) => loadImage(`${base}/${l}.png`, l === "mask" ? vq : {}))]);
    if (gen !== generation) return null;
    const canvas = el("canvas", { width: Math.round(cam.width * scale),
                                  height: Math.round(cam.height * scale),
                                  class: "camera-canvas",
                                  dataset: { role, sensor: cam.name } });
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.drawImage(rgb, 0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = opacity;
    for (const img of layers) ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 1;
    drawBoxes(ctx, boxes, scale, view.store.palette);
    return el("figure", { class: "column" }, columnCaption(variant, `camera/${cam.name}`),
      canvas);
  }

  // K's continuous coordinates put pixel centres on integers: canvas x = (u + 0.5) · scale.
  // A box at least one canvas pixel wide and high, so a thin object's box still shows when
  // the canvas shrinks a camera wider than it.
  function drawBoxes(ctx, boxes, scale, palette) {
    const px = (u) => (u + 0.5) * scale;
    const strokeBox = ([x0, y0, x1, y1]) => ctx.strokeRect(
      px(x0), px(y0), Math.max(1, (x1 - x0) * scale), Math.max(1, (y1 - y0) * scale));
    ctx.lineWidth = Math.max(1, Math.min(2, scale / 4));
    ctx.font = "12px sans-serif";
    for (const obj of boxes.objects) {
      const colour = paletteColour(palette, obj.class_id);
      ctx.strokeStyle = css(colour);
      if (on.boxes3d && obj.corners) {
        ctx.beginPath();
        for (const [a, b] of EDGES) {
          ctx.moveTo(px(obj.corners[a][0]), px(obj.corners[a][1]));
          ctx.lineTo(px(obj.corners[b][0]), px(obj.corners[b][1]));
        }
        ctx.stroke();
      }
      if (on.amodal && obj.box2d_amodal) {
        ctx.setLineDash([4, 3]);
        strokeBox(obj.box2d_amodal);
        ctx.setLineDash([]);
      }
      const box = obj.box2d || obj.box2d_amodal;
      if (on.boxes2d && obj.box2d) strokeBox(obj.box2d);
      if (on.labels && box && (on.boxes2d || on.amodal || on.boxes3d)) {
        const vis = obj.visibility === null ? "" : ` ${Math.round(obj.visibility * 100)}%`;
        const text = `${obj.class} #${obj.instance}${vis}`;
        const x = px(box[0]);
        const y = Math.max(12, px(box[1]) - 3);
        ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
        ctx.fillRect(x, y - 11, ctx.measureText(text).width + 4, 13);
        ctx.fillStyle = css(colour);
        ctx.fillText(text, x + 2, y);
      }
    }
  }

  async function draw() {
    if (!last) return;
    const gen = ++generation;
    const view = last;
    try {
      const { columns, note } = columnsFor(view, `camera/${cam.name}`);
      const figures = await Promise.all(columns.map((v) =>
        drawColumn(view, v, v ? "corrupted" : "clean", gen)));
      if (gen === generation) body.replaceChildren(...figures, note || "");
    } catch (err) {
      if (gen === generation) body.replaceChildren(el("p", { class: "error" }, String(err)));
    }
  }

  return { element, update(view) { last = view; return draw(); } };
}
