"""docs/architecture.md is where a newcomer starts: every module, folder and class it names must exist."""

from __future__ import annotations

import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("alerts", "bot", "storage")
PATH = re.compile(r"\b(?:alerts|bot|storage|tests|bench|deploy|docs|data)/[\w./-]*")
BARE_MODULE = re.compile(r"(?<![\w/.])(\w+\.py)\b")
CLASS = re.compile(r"`([A-Z][A-Za-z]+)`")


def test_every_path_the_architecture_names_exists():
    text = DOC.read_text()
    missing = [p for p in sorted(set(PATH.findall(text))) if not (ROOT / p.rstrip("/.")).exists()
               and not p.startswith("data/")]  # data/ is made at run time, under the working folder
    assert missing == []


def test_every_module_named_by_its_file_name_alone_exists_in_the_code():
    text = DOC.read_text()
    modules = {path.name for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    assert sorted(set(BARE_MODULE.findall(text)) - modules) == []


def test_every_class_the_architecture_names_is_defined():
    text = DOC.read_text()
    source = "\n".join(path.read_text() for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    defined = set(re.findall(r"^class (\w+)", source, re.M))
    assert sorted(set(CLASS.findall(text)) - defined) == []


def test_the_readme_links_to_it():
    assert "docs/architecture.md" in (ROOT / "README.md").read_text()
