"""Sources are cited inside the repository: every ``docs/references.md#<anchor>`` cited anywhere
exists in docs/references.md, and nothing cites the notes file outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "docs" / "references.md"
SCANNED = ("simengine", "tests", "tools", "sensors", "scenes", "docs", ".ci", "README.md",
           "pyproject.toml")
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".sh", ".js", ".html", ".css", ".txt",
                 ""}
CITATION = re.compile(r"docs/references\.md#([A-Za-z0-9_-]+)")
ANCHOR = re.compile(r'<a id="([A-Za-z0-9_-]+)"></a>')
# The notes file that used to hold the sources, outside the repository: its name (not the
# constants that merely contain the word, such as REFERENCE_SIZE), or the path to it.
OUTSIDE = re.compile("(?<![A-Za-z0-9_])" + "REFER" + r"ENCE(?![A-Za-z0-9_])|\.\./" + "shared/")
# A preset's ``source:`` is a parameter like any other: it is stored in the scene instance of
# every sample (meta/instance_json), so rewording it changes stored bytes. Those lines may
# still name the old notes; the preset's comments must then cite docs/references.md.
STORED_SOURCE = re.compile(r"^source:")


def text_files() -> list[Path]:
    files = []
    for name in SCANNED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [f for f in candidates if f.is_file() and f.suffix in TEXT_SUFFIXES
                  and "__pycache__" not in f.parts]
    return files


def anchors() -> set[str]:
    return set(ANCHOR.findall(REFERENCES.read_text(encoding="utf-8")))


def test_every_cited_anchor_exists():
    known = anchors()
    missing = []
    for f in text_files():
        for n, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            missing += [f"{f.relative_to(ROOT)}:{n}: #{a}" for a in CITATION.findall(line)
                        if a not in known]
    assert not missing, "cited anchors missing from docs/references.md:\n" + "\n".join(missing)


def test_links_inside_references_resolve():
    text = REFERENCES.read_text(encoding="utf-8")
    assert len(anchors()) == len(ANCHOR.findall(text)), "an anchor is defined twice"
    assert {a for a in re.findall(r"\]\(#([A-Za-z0-9_-]+)\)", text)} <= anchors()


def test_nothing_cites_notes_outside_the_repository():
    offending = []
    for f in text_files():
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        stored_only = f.parent.name == "sensors" and f.suffix == ".yaml"
        for n, line in enumerate(lines, 1):
            if OUTSIDE.search(line) and not (stored_only and STORED_SOURCE.match(line)):
                offending.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()}")
        if stored_only and any(OUTSIDE.search(x) for x in lines):
            assert CITATION.search("\n".join(lines)), f"{f.relative_to(ROOT)} cites no source"
    assert not offending, "cite docs/references.md#<anchor> instead:\n" + "\n".join(offending)


def test_the_checks_see_what_they_look_for():
    name = "REFER" + "ENCE"
    assert OUTSIDE.search(f"see {name}.md") and OUTSIDE.search(f"({name}: x)")
    assert not OUTSIDE.search("REFERENCE_SHORT_SIDE = 224") and not OUTSIDE.search("_REFERENCE")
    assert CITATION.findall("see docs/references.md#os1-64.") == ["os1-64"]
    assert {"os1-64", "imagenet-c", "pybullet-reference"} <= anchors()
