"""The README is part of the product: its commands and its settings table must stay true."""

from __future__ import annotations

import dataclasses
import re

from bot.settings import SECTIONS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_quick_start_is_exactly_the_two_make_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make run", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented_with_its_environment_variable():
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            if "secret_env" in f.metadata:
                assert f"`{f.metadata['secret_env']}`" in README
            else:
                assert f"| `{section}.{f.name}` | `ROTOBOT_{section.upper()}_{f.name.upper()}` |" in README
