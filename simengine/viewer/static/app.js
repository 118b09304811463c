// The single-page viewer: routing between the sample browser (#/) and one sample
// (#/sample/K), the sample bar (sample, frame, view mode, corruption and severity) and the
// modality panels. Everything comes from this server's /api; nothing from the internet.

import { audioPanel } from "./audio.js";
import { setupBrowser, visibleSamples } from "./browser.js";
import { cameraPanel } from "./camera.js";
import { lidarPanel } from "./lidar.js";
import { renderTables } from "./tables.js";
import { el, getJson, option } from "./util.js";

const app = { store: null, index: null, panels: [], k: null, labels: null, frame: 0,
              mode: "side", pick: { corruption: "", severity: "" } };
const $ = (id) => document.getElementById(id);

function openSample(k) {
  location.hash = `#/sample/${k}`;
}

// The variant of this sample where the picked corruption ran (at the picked severity).
function resolveVariant() {
  if (!app.labels || !app.pick.corruption) return null;
  return app.labels.variants.find((v) => v.applied.some((a) =>
    a.corruption === app.pick.corruption &&
    (!app.pick.severity || String(a.severity) === app.pick.severity))) || null;
}

// Keep the user's pick when this sample has it; else its first corruption (cameras first).
function defaultPick() {
  if (resolveVariant()) return;
  const applied = app.labels.variants.filter((v) => v.applied.length);
  const best = applied.find((v) => v.heads.some((h) => h.startsWith("camera/"))) || applied[0];
  app.pick = { corruption: best ? best.applied[0].corruption : "", severity: "" };
}

function corruptionMenus() {
  const here = app.labels.variants.flatMap((v) => v.applied);
  const names = [...new Set(app.store.variants.flatMap((v) => v.corruptions))];
  const mark = (ok, label) => (ok ? `✓ ${label}` : label);
  $("v-corruption").replaceChildren(option("", "none"), ...names.map((n) =>
    option(n, mark(here.some((a) => a.corruption === n), n), n === app.pick.corruption)));
  $("v-severity").replaceChildren(option("", "any", !app.pick.severity),
    ...["1", "2", "3", "4", "5"].map((s) => option(s, mark(here.some((a) =>
      a.corruption === app.pick.corruption && String(a.severity) === s), s),
    s === app.pick.severity)));
  const note = $("variant-note");
  note.replaceChildren();
  if (app.pick.corruption && !resolveVariant()) { // say where to find it instead
    const sev = app.pick.severity;
    const others = app.index.samples.filter((s) => s.corruptions.some((c) =>
      c.corruption === app.pick.corruption && (!sev || String(c.severity) === sev)));
    note.append(`${app.pick.corruption}${sev ? ` at severity ${sev}` : ""} is not in this ` +
                "sample; samples with it: ", ...others.slice(0, 12).map((s) =>
      el("a", { href: `#/sample/${s.index}` }, `#${s.index} `)), others.length ? "" : "none");
  }
}

function columns() {
  const v = resolveVariant();
  if (!v || app.mode === "clean") return [null];
  return app.mode === "corrupted" ? [v] : [null, v];
}

async function redraw() {
  document.body.dataset.idle = "0";
  corruptionMenus();
  const view = { store: app.store, k: app.k, frame: app.frame, columns: columns(),
                 labels: app.labels, variant: app.mode === "clean" ? null : resolveVariant(),
                 pick: (corruption, severity) => {
                   app.pick = { corruption, severity };
                   if (app.mode === "clean") app.mode = $("mode").value = "side";
                   redraw();
                 } };
  await Promise.all(app.panels.map((p) => p.update(view)));
  document.body.dataset.idle = "1";
}

async function showSample(k) {
  $("browser").hidden = true;
  $("sample").hidden = false;
  document.body.dataset.view = "sample";
  document.body.dataset.idle = "0";
  try {
    app.labels = await getJson(`/api/sample/${k}`);
  } catch (err) {
    $("sample-error").textContent = String(err);
    document.body.dataset.idle = "1";
    return;
  }
  $("sample-error").textContent = "";
  app.k = k;
  $("sample-select").value = String(k);
  if (app.frame >= app.labels.times.length) app.frame = 0;
  $("frame").replaceChildren(...app.labels.times.map((t, i) =>
    option(String(i), `${i} (t = ${t.toFixed(2)} s)`, i === app.frame)));
  defaultPick();
  renderTables($("tables"), app.labels);
  document.body.dataset.sample = String(k);
  await redraw();
}

function showGrid() {
  $("browser").hidden = false;
  $("sample").hidden = true;
  document.body.dataset.view = "grid";
  document.body.dataset.idle = "1";
}

function step(delta) {
  const shown = visibleSamples(app.index).map((s) => s.index);
  const order = shown.includes(app.k) ? shown : app.store.done;
  const i = order.indexOf(app.k);
  const next = order[(i + delta + order.length) % order.length];
  if (next !== undefined) openSample(next);
}

function route() {
  const m = location.hash.match(/^#\/sample\/(\d+)$/);
  if (m) showSample(Number(m[1]));
  else showGrid();
}

function setupSampleBar() {
  $("sample-select").replaceChildren(...app.store.done.map((k) => option(String(k), `#${k}`)));
  $("sample-select").onchange = (e) => openSample(e.target.value);
  $("back").onclick = () => { location.hash = "#/"; };
  $("prev").onclick = () => step(-1);
  $("next").onclick = () => step(+1);
  $("frame").onchange = (e) => { app.frame = Number(e.target.value); redraw(); };
  $("mode").value = app.mode;
  $("mode").onchange = (e) => { app.mode = e.target.value; redraw(); };
  $("v-corruption").onchange = (e) => {
    app.pick = { corruption: e.target.value, severity: "" }; redraw(); };
  $("v-severity").onchange = (e) => { app.pick.severity = e.target.value; redraw(); };
  document.addEventListener("keydown", (e) => {
    if (document.body.dataset.view !== "sample" || e.target.matches("input, select")) return;
    if (e.key === "ArrowLeft") step(-1);
    if (e.key === "ArrowRight") step(+1);
  });
}

async function main() {
  const [store, index] = await Promise.all([getJson("/api/store"), getJson("/api/index")]);
  app.store = store;
  app.index = index;
  $("store-name").textContent = `${store.scene} · ${store.path} · ${store.done.length} of ` +
    `${store.num_samples} samples done · seed ${store.root_seed}`;
  app.panels = [...store.cameras.map((c) => cameraPanel(store, c)),
                ...store.lidars.map((l) => lidarPanel(store, l)),
                ...store.microphones.map((m) => audioPanel(store, m))];
  $("panels").replaceChildren(...app.panels.map((p) => p.element));
  if (!store.variants.length) $("mode").disabled = true;
  setupSampleBar();
  setupBrowser(index, openSample);
  window.addEventListener("hashchange", route);
  route();
}

main().catch((err) => {
  document.body.dataset.idle = "1";
  $("fatal").textContent = `The viewer could not start: ${err}`;
});
