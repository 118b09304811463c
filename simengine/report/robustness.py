"""The report's robustness section: a scores JSON of ``simengine score`` as tables and plots.

The file is read and checked before the report is built (a bad file writes nothing).
Plots: the metric against severity per corruption (one chart per up to 8 corruptions, with
the clean value as a flat line), the mean over the averaged corruptions per severity, and
the per-corruption headline score as bars.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UserError
from . import plots
from .html import Page

REQUIRED = ("benchmark", "metric", "clean", "table", "severities", "scores", "headline")
PER_CHART = 8


def read_scores(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"--scores: {path}: no such file")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"--scores: {path}: not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != "simengine-scores" or any(
            k not in doc for k in REQUIRED):
        raise UserError(f"--scores: {path}: not a scores file of `simengine score` (expected "
                        f"format simengine-scores with {', '.join(REQUIRED)})")
    return doc


def _num(v) -> float:
    return float("nan") if v is None else float(v)


def robustness_section(page: Page, doc: dict) -> int:
    """Add the section; returns the number of figures."""
    page.section("robustness", "Robustness scores")
    sev = int(doc["severities"])
    base = doc.get("baseline") or {}
    page.p(f"{doc.get('title', doc['benchmark'])}: {doc['metric']} of the model on the clean "
           f"and corrupted variants ({doc.get('input', '')}, {doc.get('samples', '?')} "
           f"samples; results {doc.get('results', '')}). Baseline: "
           f"{base.get('name') or 'none'}. Definitions: {doc.get('definitions', '')}.",
           note=True)
    head = doc["headline"]
    page.table(["score", "value"], [(k, _num(v)) for k, v in head.items()],
               table_id="robustness-headline", row_keys=list(head))
    # per-corruption scores: {corruption: number} (not the per-severity lists)
    per = {k: v for k, v in doc["scores"].items() if isinstance(v, dict) and v
           and set(v) <= set(doc["table"])
           and all(x is None or isinstance(x, int | float) for x in v.values())}
    names = list(doc["table"])
    headers = ["corruption", *(f"severity {s}" for s in range(1, sev + 1)), *per]
    rows = [[c, *(_num(v) for v in doc["table"][c]), *(_num(per[k].get(c)) for k in per)]
            for c in names]
    rows.insert(0, ["clean", *([_num(doc["clean"])] * sev), *([""] * len(per))])
    page.table(headers, rows, table_id="robustness-table", row_keys=["clean", *names])
    means = doc.get("per_severity") or []
    if means:
        page.table(["severity", f"mean {doc['metric']}"],
                   [(s + 1, _num(m)) for s, m in enumerate(means)],
                   table_id="robustness-per-severity")
    figures = 0
    xs = list(range(1, sev + 1))
    for i in range(0, len(names), PER_CHART):
        group = names[i:i + PER_CHART]
        series = [plots.Series(c, xs, [_num(v) for v in doc["table"][c]]) for c in group]
        series.append(plots.Series("clean", xs, [_num(doc["clean"])] * sev))
        page.figure(plots.line_chart(series, f"{doc['metric']} by severity", "severity",
                                     doc["metric"], xlim=(0.5, sev + 0.5)),
                    f"{doc['benchmark']}: {', '.join(group)}")
        figures += 1
    if means:
        page.figure(plots.line_chart([plots.Series("mean", xs, [_num(m) for m in means])],
                                     f"mean {doc['metric']} by severity", "severity",
                                     doc["metric"], xlim=(0.5, sev + 0.5)),
                    f"mean over {', '.join(doc.get('averaged_over', names))}")
        figures += 1
    if per:
        key = next(iter(per))
        page.figure(plots.bar_chart(names, [_num(per[key].get(c)) for c in names],
                                    f"{key} per corruption", "corruption", key),
                    f"{doc['benchmark']}: {key} per corruption")
        figures += 1
    return figures
