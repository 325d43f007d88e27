"""The import graph of app/: no cycle, no import against the direction data flows, and every module
importable on its own in a fresh interpreter.

The graph is read from the source (ast), with every import counted wherever it is written (a function-level
import is a dependency too, only a later one). Importing `a.b.c` first runs the packages `a` and `a.b`, so an
import also depends on the packages it enters: `app.reading.quotes` importing `app.reading.extract.lexicon`
ran `app/reading/extract/__init__.py`, which imported the quotes back (the cycle that made
`python -c "import app.intake.quotes"` fail).
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (importer prefix, imported prefix, why not): data flows channel -> domain -> web, never back.
FORBIDDEN = [
    ("app.reading", "app.", "reading a message is shared by the channels and needs none of the app"),
    ("app.orders", "app.intake", "the domain knows no channel"),
    ("app.orders", "app.phone", "the domain knows no channel"),
    ("app.orders", "app.notify", "the domain sends signals; notify listens"),
    ("app.orders", "app.handback", "the domain knows no channel"),
    ("app.orders", "app.reading", "the domain takes plain values, not messages"),
    ("app.orders", "app.web", "the domain knows no request"),
    ("app.models", "app.orders", "the tables know no use case"),
    ("app.notify", "app.phone", "the outbound sender does not do inbound work"),
    ("app.notify", "app.handback", "notify is told by signals, not by the handback"),
    ("app.notify", "app.intake", "notify is told by signals, not by a channel"),
    ("app.phone", "app.intake", "the phone channel shares app.reading, not the mail channel"),
    ("app.phone", "app.handback", "a channel does not reach into another"),
    ("app.intake", "app.phone", "a channel does not reach into another"),
    ("app.intake", "app.handback", "a channel does not reach into another"),
    ("app.handback", "app.intake", "a channel does not reach into another"),
    ("app.handback", "app.phone", "a channel does not reach into another"),
]
# only the factory and the command registry sit above everything
TOP = {"app", "app.cli"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()
# Alembic's env.py and revisions run only inside `flask db`, with its context; they are not importable alone
IMPORTABLE = sorted(m for m in MODULES if not m.startswith("app.migrations"))


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports (or enters as a package): first line number}."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges = graph.setdefault(module, {})
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    kept = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(kept + ([node.module] if node.module else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
            else:
                continue
            for name in names:
                target = _resolve(name) if name == "app" or name.startswith("app.") else None
                if target is None:
                    continue
                for entered in _ancestors(target) - _ancestors(module):
                    if entered in MODULES:
                        edges.setdefault(entered, node.lineno)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def test_the_graph_sees_function_level_imports_and_the_packages_an_import_enters():
    graph = import_graph()
    assert "app.orders.backup_reply" in graph["app.intake.pipeline"]  # imported inside a function
    assert "app.reading.attachments" in graph["app.reading.mime"]
    assert "app.reading" in graph["app.phone.extract"]  # entered on the way to app.reading.parse
    assert _cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]


def test_app_has_no_import_cycle():
    graph = import_graph()
    problems = []
    for component in _cycles(graph):
        inside = [f"  {a} -> {b} ({_where(a, line)})"
                  for a in component for b, line in sorted(graph[a].items()) if b in component]
        problems.append(" <-> ".join(component) + "\n" + "\n".join(inside))
    assert not problems, "import cycles in app/:\n" + "\n".join(problems)


def test_no_import_goes_against_the_flow():
    graph = import_graph()
    wrong = []
    for module, edges in graph.items():
        for target, line in sorted(edges.items()):
            for importer, imported, why in FORBIDDEN:
                if (module == importer or module.startswith(importer + ".")) and \
                        (target.startswith(imported) if imported.endswith(".") else
                         target == imported or target.startswith(imported + ".")) and \
                        not (target == importer or target.startswith(importer + ".")):
                    wrong.append(f"{module} -> {target} ({_where(module, line)}): {why}")
            if target in TOP and module not in TOP and target != "app":
                wrong.append(f"{module} -> {target} ({_where(module, line)}): only the factory sits above")
    assert not wrong, "imports against the flow:\n" + "\n".join(wrong)


def _libraries() -> list[str]:
    """The top-level packages outside app/ that app/ imports (flask, sqlalchemy, email, ...)."""
    names = set()
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.partition(".")[0] not in ("app", "__future__"))


# Run by sys.executable: imports the libraries once, then each module of app/ in a child forked from that
# state, so no module of app/ is loaded when the child imports its one module.
_FORKED_IMPORTS = """
import importlib, os, sys, traceback
libraries, modules = sys.argv[1].split(","), sys.argv[2].split(",")
for name in libraries:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # an optional library (flask_migrate's alembic env, say): the child meets it as app/ does
assert not [m for m in sys.modules if m == "app" or m.startswith("app.")], "a library imported app/"
for module in modules:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            print(module, traceback.format_exc().strip().splitlines()[-1], file=sys.stderr, flush=True)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(module, os.waitstatus_to_exitcode(status), flush=True)
"""


@pytest.mark.sqlite_only  # no database involved: run once, not again on PostgreSQL
def test_every_module_imports_on_its_own():
    """Each module of app/ imported alone, in a process where no other module of app/ was loaded first."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _FORKED_IMPORTS, ",".join(_libraries()), ",".join(IMPORTABLE)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - started
    codes = dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())
    print(f"\n{len(codes)} modules imported each on its own (forked after the libraries) in {elapsed:.1f} s")
    assert done.returncode == 0, done.stderr
    assert sorted(codes) == IMPORTABLE
    failed = sorted(m for m, code in codes.items() if code != "0")
    assert not failed, "modules that do not import on their own:\n" + done.stderr


@pytest.mark.slow
@pytest.mark.sqlite_only
@pytest.mark.skipif(not os.environ.get("FRESH_INTERPRETER_IMPORTS"),
                    reason="one interpreter per module costs ~3 minutes on 2 loaded cores (~0.7 s of CPU each); "
                           "set FRESH_INTERPRETER_IMPORTS=1 to run it")
def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    """One `python -c "import X"` per module, run by as many at once as there are cores: what the forked test
    above cannot see is a module that uses a library's submodule some other module imported."""
    def attempt(module: str) -> tuple[str, int, str, float]:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        return module, done.returncode, done.stderr.strip().splitlines()[-1:], time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(attempt, IMPORTABLE))
    elapsed = time.monotonic() - started
    failed = [f"{module}: {' '.join(last)}" for module, code, last, _ in results if code != 0]
    slowest = max(results, key=lambda r: r[3])
    print(f"\n{len(results)} modules imported each in a fresh interpreter in {elapsed:.1f} s "
          f"({os.cpu_count()} at once; slowest {slowest[0]} {slowest[3]:.2f} s)")
    assert len(results) > 100
    assert not failed, "modules that do not import on their own:\n" + "\n".join(failed)
