"""The domain (alerts/) and storage (storage/) never depend on Discord, SQL lives only in storage/, and no module
outside tests/ outgrows one job (300 lines)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# The domain is pure of persistence and transport; storage may use the domain's value types, never the app.
FORBIDDEN = {"alerts": ("discord", "bot", "storage"), "storage": ("discord", "bot")}


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def imported_roots(path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_source_imports_nothing_forbidden(package):
    for path in modules(package):
        bad = imported_roots(path) & set(FORBIDDEN[package])
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_importing_every_domain_and_storage_module_loads_no_discord():
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in FORBIDDEN
        for path in modules(package)
    ]
    code = f"import importlib, sys\nfor n in {names!r}: importlib.import_module(n)\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'bot')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|PRAGMA)\b")


def test_no_sql_outside_storage():
    for package in ("bot", "alerts"):
        for path in modules(package):
            hits = SQL.findall(path.read_text())
            assert not hits, f"{path.relative_to(ROOT)} holds SQL: {hits}"


COMPOSITION_ROOT = ("bot/app.py", "bot/pipeline.py")


def foreign_attribute_writes(path) -> list[str]:
    """`x.attr = ...` or `self.part.attr = ...` anywhere in the module: a collaborator changed after it was built.
    The object's own attributes (`self.attr = ...`) are its business."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Attribute) and isinstance(leaf.ctx, ast.Store):
                    own = isinstance(leaf.value, ast.Name) and leaf.value.id == "self"
                    if not own:
                        found.append(f"{path.name}:{leaf.lineno} {ast.unparse(leaf)}")
    return found


@pytest.mark.parametrize("module", COMPOSITION_ROOT)
def test_the_composition_root_hands_every_stage_what_it_needs_when_it_is_built(module):
    assert foreign_attribute_writes(ROOT / module) == []


def test_the_attribute_check_sees_a_callback_assigned_after_construction(tmp_path):
    sample = tmp_path / "wiring.py"
    sample.write_text("def wire(self, market, engine):\n    market.on_bars = engine.judge\n    self.jobs.metrics = 1\n"
                      "    self.ok = 2\n")
    assert foreign_attribute_writes(sample) == ["wiring.py:2 market.on_bars", "wiring.py:3 self.jobs.metrics"]


# A module of one job reads in one sitting; past this it is doing two, and a newcomer cannot tell which is which.
MAX_LINES = 300


def test_no_module_outside_tests_is_over_300_lines():
    long = {}
    for package in ("alerts", "bot", "storage", "bench"):
        for path in modules(package):
            count = len(path.read_text().splitlines())
            if count > MAX_LINES:
                long[str(path.relative_to(ROOT))] = count
    assert not long, f"over {MAX_LINES} lines, split each by job: {long}"
