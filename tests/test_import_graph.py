"""The package's imports run one way: no module imports itself through others, and the
lower parts of the data flow (geometry, sensors, physics, storage) never reach the parts
above them.

Every import statement counts, also one inside a function (an import deferred to call
time is still a dependency); imports under ``if TYPE_CHECKING:`` do not (annotations
only). The graph is read from the source with ``ast``, so nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simengine"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Import nodes of ``tree``, skipping ``if TYPE_CHECKING:`` bodies."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


def import_graph() -> dict[str, set[str]]:
    """Module → the ``simengine`` modules it imports."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        base = name.split(".") if is_package else name.split(".")[:-1]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                if node.level:
                    root = ".".join(base[:len(base) - node.level + 1])
                    module = f"{root}.{node.module}" if node.module else root
                else:
                    module = node.module or ""
                # ``from pkg import name``: a submodule, or a name defined by ``pkg`` itself
                submodules = [f"{module}.{a.name}" for a in node.names]
                candidates = [m for m in submodules if m in files]
                if len(candidates) < len(submodules):
                    candidates.append(module)
            for candidate in candidates:
                found = candidate
                while found and found not in files:  # ``pkg.mod.name`` -> ``pkg.mod``
                    found = found.rpartition(".")[0]
                if found and found != name:
                    targets.add(found)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _part(module: str) -> str:
    """The top-level part of ``simengine`` a module belongs to (``simengine.spec``...)."""
    return ".".join(module.split(".")[:2])


# What a part must never reach, directly or through others: the data flow runs down
# (spec -> instance -> physics -> geometry -> sensors -> labels -> corruptions -> engine ->
# store -> jobs), and the lower parts only know the types they are handed.
UPPER = ("simengine.spec", "simengine.instance", "simengine.attempts", "simengine.placement",
         "simengine.engine", "simengine.jobs", "simengine.corruptions", "simengine.labels")
MUST_NOT_REACH = {
    "simengine.geometry": (*UPPER, "simengine.sensors", "simengine.physics"),
    "simengine.sensors": UPPER,
    # physics simulates the instance it is handed; retries and checks live with the caller
    "simengine.physics": ("simengine.attempts", "simengine.placement", "simengine.engine",
                          "simengine.jobs"),
    "simengine.store": (*UPPER, "simengine.sensors", "simengine.physics",
                        "simengine.geometry", "simengine.assets"),
}


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_module_imports_itself_through_others():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("part", sorted(MUST_NOT_REACH))
def test_lower_parts_never_reach_the_parts_above_them(part):
    graph = import_graph()
    bad = {}
    for module in (m for m in graph if _part(m) == part):
        above = sorted(m for m in _reach(graph, module)
                       if _part(m) in MUST_NOT_REACH[part])
        if above:
            bad[module] = above
    assert bad == {}


@pytest.mark.parametrize("source, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_cycle_finder_finds_circles(source, expected):
    assert cycles(source) == expected
