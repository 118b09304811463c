// The sample's labels and resolved scene parameters as readable tables.

import { el, fmt } from "./util.js";

function table(columns, rows, id) {
  if (!rows.length) return el("p", { class: "muted" }, "none");
  return el("table", { id },
    el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", {}, c)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...columns.map((c) =>
      el("td", {}, r[c] === null || r[c] === undefined ? "–" : fmt(r[c])))))));
}

function sceneTable(scene) {
  const tbody = el("tbody", {}, ...scene.map(([k, v]) =>
    el("tr", { dataset: { key: k } }, el("td", { class: "key" }, k), el("td", {}, fmt(v)))));
  const search = el("input", { type: "search", placeholder: "filter parameters…",
    oninput: (e) => {
      const q = e.target.value.toLowerCase();
      for (const tr of tbody.children) tr.hidden = q !== "" && !tr.dataset.key.toLowerCase().includes(q);
    } });
  return el("div", {}, search, el("div", { class: "scroll" }, el("table", { id: "scene-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "value"))), tbody)));
}

export function renderTables(container, labels) {
  const frames = labels.times.map((t, i) => `frame ${i}: t = ${fmt(t)} s`).join(", ");
  const variants = labels.variants.map((v) => ({
    variant: v.id,
    applied: v.applied.map((a) => `${a.corruption} (severity ${a.severity})`).join(", ") || "–",
    changes: v.heads.join(", "),
  }));
  const sounds = Object.entries(labels.sounds).flatMap(([mic, evs]) =>
    evs.map((e) => ({ microphone: mic, ...e })));
  container.replaceChildren(
    el("h2", {}, `Labels of sample ${labels.index}`),
    el("p", { class: "muted" }, frames),
    el("h3", {}, "Objects"),
    table(["instance", "group", "class", "shape", "material", "mass_kg", "size_m", "position_m"],
          labels.objects, "objects-table"),
    el("h3", {}, "Impacts"),
    table(["time", "instance_a", "instance_b", "impulse", "speed"], labels.impacts,
          "impacts-table"),
    el("h3", {}, "Sounds"),
    table(["microphone", "kind", "label", "onset", "offset", "peak_db_spl"], sounds,
          "sounds-table"),
    el("h3", {}, "Corrupted variants"),
    table(["variant", "applied", "changes"], variants, "variants-table"),
    ...labels.variants.filter((v) => v.applied.length).map((v) =>
      el("details", {}, el("summary", {}, `drawn parameters of ${v.id}`),
         el("pre", {}, JSON.stringify(v.params, null, 1)))),
    el("h3", {}, "Resolved scene parameters"),
    sceneTable(labels.scene));
}
