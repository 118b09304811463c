// Audio panel: per channel, the waveform (min/max envelope) and the log-mel spectrogram
// with the labelled sound events marked, and playback of the channel, clean and corrupted.

import { apiUrl, columnCaption, columnsFor, el, getJsonCached, loadImage } from "./util.js";

const KIND_COLOURS = { impact: "255, 196, 0", contact: "0, 200, 255", source: "120, 255, 120",
                       actor: "255, 110, 200" };
const PLOT_W = 560;

// Onsets as thin lines; durations as short bars in four lanes at the bottom; labels only
// where they do not overlap the previous label of their lane.
function markEvents(ctx, events, duration, w, h, withLabels) {
  ctx.font = "10px sans-serif";
  const lastLabelEnd = [-Infinity, -Infinity, -Infinity];
  events.forEach((ev, i) => {
    const c = KIND_COLOURS[ev.kind] || "255, 255, 255";
    const x0 = (ev.onset / duration) * w, x1 = (ev.offset / duration) * w;
    ctx.fillStyle = `rgba(${c}, 0.55)`;
    ctx.fillRect(x0, 0, 1, h);
    ctx.fillStyle = `rgba(${c}, 0.8)`;
    ctx.fillRect(x0, h - 3 - 3 * (i % 4), Math.max(1, x1 - x0), 2);
    const lane = i % 3;
    if (withLabels && x0 > lastLabelEnd[lane]) {
      ctx.fillStyle = `rgba(${c}, 0.95)`;
      ctx.fillText(ev.label, x0 + 2, 10 + 10 * lane);
      lastLabelEnd[lane] = x0 + 4 + ctx.measureText(ev.label).width;
    }
  });
}

function waveform(ov, ch, role) {
  const h = 90;
  const canvas = el("canvas", { width: PLOT_W, height: h, class: "waveform",
                                dataset: { role, channel: ch } });
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#11141a";
  ctx.fillRect(0, 0, PLOT_W, h);
  const lo = ov.min[ch], hi = ov.max[ch], lost = ov.lost[ch], n = lo.length;
  const scale = (h / 2 - 4) / (ov.peak || 1);
  for (let i = 0; i < n; i++) {
    const x = (i / n) * PLOT_W;
    if (lost[i]) { // audio the corruption removed or replaced
      ctx.fillStyle = "rgba(255, 0, 255, 0.35)";
      ctx.fillRect(x, 0, Math.max(1, PLOT_W / n), h);
    }
    ctx.fillStyle = "#7fb3ff";
    ctx.fillRect(x, h / 2 - hi[i] * scale, Math.max(1, PLOT_W / n),
                 Math.max(1, (hi[i] - lo[i]) * scale));
  }
  markEvents(ctx, ov.events, ov.duration, PLOT_W, h, true);
  return canvas;
}

function spectrogram(img, ov, ch, role) {
  const h = 110;
  const canvas = el("canvas", { width: PLOT_W, height: h, class: "spectrogram",
                                dataset: { role, channel: ch } });
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0, PLOT_W, h);
  markEvents(ctx, ov.events, ov.duration, PLOT_W, h, false);
  return canvas;
}

export function audioPanel(store, mic) {
  let generation = 0;
  const body = el("div", { class: "columns" });
  const element = el("section", { class: "panel audio", id: `audio-${mic.name}` },
    el("h2", {}, `Microphones ${mic.name}`,
       el("small", {}, ` ${mic.channels} channels, ${mic.rate} Hz`)),
    el("div", { class: "legend" }, ...Object.entries(KIND_COLOURS).map(([k, c]) =>
      el("span", { class: "chip", style: { borderColor: `rgb(${c})` } }, k)),
    el("span", { class: "chip", style: { borderColor: "#f0f" } }, "removed by corruption")),
    body);

  async function column(view, variant, gen) {
    const base = `/api/sample/${view.k}/audio/${mic.name}`;
    const q = { variant: variant ? variant.id : "" };
    const ov = await getJsonCached(`${base}/overview.json`, q);
    const specs = await Promise.all([...Array(ov.channels).keys()].map((ch) =>
      loadImage(`${base}/${ch}/logmel.png`, q)));
    if (gen !== generation) return null;
    const role = variant ? "corrupted" : "clean";
    const rows = specs.map((img, ch) => el("div", { class: "channel" },
      el("div", { class: "muted" }, `channel ${ch}`),
      waveform(ov, ch, role), spectrogram(img, ov, ch, role),
      el("audio", { controls: true, preload: "metadata", src: apiUrl(`${base}/${ch}.wav`, q),
                    dataset: { role, channel: ch } })));
    return el("figure", { class: "column" }, columnCaption(variant, `audio/${mic.name}`),
      el("div", { class: "muted" },
         `${ov.duration.toFixed(2)} s, ${ov.events.length} labelled sounds; log-mel below`),
      ...rows);
  }

  async function update(view) {
    const gen = ++generation;
    try {
      const { columns, note } = columnsFor(view, `audio/${mic.name}`);
      const cols = await Promise.all(columns.map((v) => column(view, v, gen)));
      if (gen === generation) body.replaceChildren(...cols, note || "");
    } catch (err) {
      if (gen === generation) body.replaceChildren(el("p", { class: "error" }, String(err)));
    }
  }

  return { element, update };
}
