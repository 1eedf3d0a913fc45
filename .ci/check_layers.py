"""Check the import layers of mimo-gui, and that no two of its modules import each other.

    actions  <-  prompts  <-  agent  <-  mimo_gui (CLI, eval, demo)
    actions  <-  env_adapters  <-  agent

Each layer may import only the ones to its left (and itself): ``actions`` nothing of ours,
``prompts`` and ``env_adapters`` only ``actions``, ``agent`` those three. Every import counts,
wherever it is written: at the top, inside a function (a lazy import still runs upward when
it runs) or under ``TYPE_CHECKING`` (a cycle hidden there is still a cycle in the design).

The repository's folders are mapped into the one package by pyproject's
``[tool.setuptools] package-dir``, which tools that walk the installed package cannot see;
this reads that mapping, parses every module with `ast` and builds the graph itself.

Usage: ``python .ci/check_layers.py [ROOT]`` (ROOT: the repository, default the parent of
this folder). Prints one line per broken rule and exits 1; prints nothing and exits 0 when
the layers hold.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "mimo_gui"

LAYERS: dict[str, frozenset[str]] = {
    "actions": frozenset({"actions"}),
    "prompts": frozenset({"actions", "prompts"}),
    "env_adapters": frozenset({"actions", "env_adapters"}),
    "agent": frozenset({"actions", "prompts", "env_adapters", "agent"}),
}
"""Each lower layer and the layers it may import; every other module of the package is the
top layer, which may import anything."""

TOP = "mimo_gui"


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target``, at ``path:line``."""

    source: str
    target: str
    path: Path
    line: int


def find_modules(root: Path) -> dict[str, Path]:
    """Every module of the package, by dotted name, found through pyproject's package-dir."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = config["tool"]["setuptools"].get("package-dir", {PACKAGE: PACKAGE})
    modules: dict[str, Path] = {}
    for package, folder in package_dir.items():
        base = root / folder
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).with_suffix("")
            if "__pycache__" in rel.parts or any(not p.isidentifier() for p in rel.parts):
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            modules.setdefault(".".join([package, *parts]), path)
    return modules


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import statement in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, [a.name for a in node.names], node.lineno


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is one of our modules (an attribute's module)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph(root: Path) -> tuple[dict[str, Path], list[Edge], list[str]]:
    """The package's modules, every import between two of them, and the files that do not parse."""
    modules = find_modules(root)
    edges: list[Edge] = []
    unreadable: list[str] = []
    for module, path in modules.items():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            unreadable.append(f"{path.relative_to(root)}:{exc.lineno}: cannot parse: {exc.msg}")
            continue
        for target, names, line in _imports(tree, module, path.name == "__init__.py"):
            if target != PACKAGE and not target.startswith(PACKAGE + "."):
                continue
            # `from pkg import mod` imports the module pkg.mod; `from pkg import name`, pkg itself
            found = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            if not names or len(found) < len(names):
                found.append(target)
            for name in found:
                resolved = _known(name, modules)
                if resolved is not None and resolved != module:
                    edges.append(Edge(module, resolved, path, line))
    return modules, edges, unreadable


def layer_of(module: str) -> str:
    """``actions``, ``prompts``, ``env_adapters``, ``agent``, or ``mimo_gui`` (the top)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else TOP


def upward_imports(edges: list[Edge]) -> list[Edge]:
    """The imports a lower layer makes of a layer it may not import."""
    return [e for e in edges if (s := layer_of(e.source)) in LAYERS and layer_of(e.target) not in LAYERS[s]]


def cycles(modules: dict[str, Path], edges: list[Edge]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's SCC)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for e in edges:
        graph[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative, so a deep graph cannot overflow the stack
        nonlocal counter
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def problems(root: Path) -> list[str]:
    """One line per broken rule, empty when the layers hold."""
    modules, edges, lines = import_graph(root)
    for e in upward_imports(edges):
        allowed = ", ".join(sorted(LAYERS[layer_of(e.source)]))
        lines.append(
            f"{e.path.relative_to(root)}:{e.line}: {e.source} imports {e.target}, "
            f"but {layer_of(e.source)} may import only: {allowed}"
        )
    for group in cycles(modules, edges):
        members = set(group)
        inside = sorted({f"{e.source} -> {e.target} ({e.path.relative_to(root)}:{e.line})"
                         for e in edges if e.source in members and e.target in members})  # fmt: skip
        lines.append(f"import cycle between {', '.join(group)}: {'; '.join(inside)}")
    return lines


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    found = problems(root.resolve())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
