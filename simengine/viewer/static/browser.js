// The sample browser: a grid of thumbnails filtered by class present, corruption and
// severity, and one resolved scene parameter (a value menu or a numeric range).

import { el, option } from "./util.js";

const filters = { cls: "", corruption: "", severity: "", param: "", value: "", lo: "", hi: "" };

function matchesParam(sample, param) {
  if (!filters.param) return true;
  const v = sample.params[filters.param];
  if (v === undefined) return false;
  if (param.kind === "number") {
    const lo = filters.lo === "" ? -Infinity : Number(filters.lo);
    const hi = filters.hi === "" ? Infinity : Number(filters.hi);
    return v >= lo && v <= hi;
  }
  if (filters.value === "") return true;
  return Array.isArray(v) ? v.map(String).includes(filters.value) : String(v) === filters.value;
}

function matchesCorruption(sample) {
  if (!filters.corruption && !filters.severity) return true;
  return sample.corruptions.some((c) =>
    (!filters.corruption || c.corruption === filters.corruption) &&
    (!filters.severity || String(c.severity) === filters.severity));
}

export function visibleSamples(index) {
  const param = index.params.find((p) => p.key === filters.param);
  return index.samples.filter((s) =>
    (!filters.cls || s.classes.includes(filters.cls)) &&
    matchesCorruption(s) && matchesParam(s, param));
}

function card(sample, open) {
  const chips = [
    ...sample.classes.map((c) => el("span", { class: "chip cls" }, c)),
    ...sample.corruptions.map((c) =>
      el("span", { class: "chip cor", title: c.variant }, `${c.corruption}·${c.severity}`)),
  ];
  return el("a", { class: "card", href: `#/sample/${sample.index}`,
                   dataset: { sample: sample.index }, onclick: (e) => {
                     e.preventDefault(); open(sample.index);
                   } },
    el("img", { src: `/api/sample/${sample.index}/thumb.png`, alt: `sample ${sample.index}`,
                loading: "lazy" }),
    el("div", { class: "caption" }, el("b", {}, `#${sample.index}`), " ", chips));
}

const PAGE = 240; // cards added per "show more": a store of 10 000 samples stays responsive
let limit = PAGE;

function renderGrid(index, open, keepLimit = false) {
  if (!keepLimit) limit = PAGE;
  const grid = document.getElementById("grid");
  const shown = visibleSamples(index);
  const more = shown.length > limit ? el("button", { type: "button", class: "more",
    onclick: () => { limit += PAGE; renderGrid(index, open, true); } },
  `show more (${shown.length - limit} left)`) : null;
  grid.replaceChildren(...shown.slice(0, limit).map((s) => card(s, open)), more || "");
  document.getElementById("f-count").textContent =
    `${shown.length} of ${index.samples.length} samples`;
}

function paramControls(index, open) {
  const box = document.getElementById("f-param-value");
  const param = index.params.find((p) => p.key === filters.param);
  if (!param) {
    box.replaceChildren();
    return;
  }
  const rerender = () => renderGrid(index, open);
  if (param.kind === "number") {
    filters.lo = String(param.min);
    filters.hi = String(param.max);
    const input = (name, value) => el("input", {
      type: "number", step: "any", value, id: `f-${name}`,
      oninput: (e) => { filters[name] = e.target.value; rerender(); } });
    box.replaceChildren("from ", input("lo", param.min), " to ", input("hi", param.max));
  } else {
    filters.value = "";
    const select = el("select", { id: "f-value", onchange: (e) => {
      filters.value = e.target.value; rerender(); } },
    option("", "any value"), ...param.values.map((v) => option(v, v)));
    box.replaceChildren(select);
  }
}

export function setupBrowser(index, open) {
  const sel = (id, values, key) => {
    const s = document.getElementById(id);
    s.replaceChildren(option("", "any"), ...values.map((v) => option(v, v)));
    s.onchange = () => { filters[key] = s.value; renderGrid(index, open); };
  };
  sel("f-class", index.classes, "cls");
  sel("f-corruption", index.corruptions, "corruption");
  sel("f-severity", ["1", "2", "3", "4", "5"], "severity");
  const p = document.getElementById("f-param");
  p.replaceChildren(option("", "none"), ...index.params.map((x) => option(x.key, x.key)));
  p.onchange = () => {
    filters.param = p.value;
    paramControls(index, open);
    renderGrid(index, open);
  };
  document.getElementById("f-clear").onclick = () => {
    Object.keys(filters).forEach((k) => { filters[k] = ""; });
    for (const id of ["f-class", "f-corruption", "f-severity", "f-param"]) {
      document.getElementById(id).value = "";
    }
    paramControls(index, open);
    renderGrid(index, open);
  };
  renderGrid(index, open);
}
