"""pyproject.toml's ranges and the lock files in requirements/ must not drift apart.

The ranges say what rotobot works with; the locks say what installs (make run, make test, CI, the image). A
dependency added to pyproject without `make lock`, a pin outside its range, or a line without a hash fails here,
before an install on a fresh machine would.
"""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
TESTING = [Requirement(line) for line in PYPROJECT["project"]["optional-dependencies"]["test"]]
BUILD = [Requirement(line) for line in PYPROJECT["build-system"]["requires"]]
RUN_LOCK = ROOT / "requirements" / "run.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"

# Lower bounds the code needs at the least (pyproject says why; some are higher there for further reasons).
REQUIRED_MINIMUM = {
    "sqlite-utils": "4",  # db.atomic() and 4.x's committing execute()
    "apscheduler": "3.11.2",  # earlier 3.11 CronTriggers stick in the repeated hour when DST ends
    "pytest-asyncio": "0.24",  # asyncio_default_fixture_loop_scope
    "prometheus-client": "0.20",  # /metrics
}


def lock_entries(path):
    """{name: [(Requirement, hashes)]}: one entry per line of a pip requirements file (a name pinned per marker
    may appear more than once)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    entries: dict[str, list] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *hashes = line.split(" --hash=")
        requirement = Requirement(spec)
        entries.setdefault(canonicalize_name(requirement.name), []).append((requirement, hashes))
    return entries


def pinned_version(requirement):
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", f"{requirement} is not pinned with =="
    return Version(specifier.version)


def bound(requirement, operator):
    return next(Version(s.version) for s in requirement.specifier if s.operator == operator)


def test_the_lower_bounds_are_the_versions_the_code_needs():
    declared = {canonicalize_name(r.name): r for r in RUNTIME + TESTING}
    for name, minimum in REQUIRED_MINIMUM.items():
        assert name in declared, f"{name} missing from pyproject.toml"
        assert bound(declared[name], ">=") >= Version(minimum), f"{declared[name]}: expected >={minimum} at least"


def test_every_dependency_stops_below_the_next_major_release_of_the_tested_one():
    tested = lock_entries(TEST_LOCK)
    for requirement in RUNTIME + TESTING:
        operators = {s.operator for s in requirement.specifier}
        assert {">=", "<"} <= operators, f"{requirement}: expected a range such as >=2.4,<3"
        upper = bound(requirement, "<")
        for pin, _ in tested.get(canonicalize_name(requirement.name), []):  # a missing pin fails below
            # 0.x: a minor release is the breaking one, so the bound may be tighter than <1, never looser.
            next_major = Version(str(pinned_version(pin).major + 1))
            assert upper <= next_major, f"{requirement}: allows {next_major}, the next major after the tested {pin}"


def check_pinned_with_hashes(lock, requirements):
    entries = lock_entries(lock)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement.name} is in pyproject.toml but not in {lock.name}: run `make lock`"
        for pin, hashes in entries[name]:
            version = pinned_version(pin)
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock.name} pins {pin}, outside pyproject's {requirement}: run `make lock`"
            )
            assert hashes, f"{pin} in {lock.name} has no --hash"


def test_the_run_lock_pins_every_runtime_dependency_and_the_build_backend():
    check_pinned_with_hashes(RUN_LOCK, RUNTIME + BUILD)


def test_the_test_lock_pins_everything_the_run_lock_does_plus_the_test_tools():
    check_pinned_with_hashes(TEST_LOCK, RUNTIME + TESTING + BUILD)
    run, test = lock_entries(RUN_LOCK), lock_entries(TEST_LOCK)
    for name, entries in run.items():
        assert [str(r) for r, _ in test.get(name, [])] == [str(r) for r, _ in entries], (
            f"{name}: run.txt and test.txt disagree, so the tests would not run what ships: run `make lock`"
        )
    assert not {canonicalize_name(r.name) for r in TESTING} & run.keys(), "test tools would ship in the image"


def test_every_line_of_both_locks_is_pinned_with_a_hash():
    for lock in (RUN_LOCK, TEST_LOCK):
        for entries in lock_entries(lock).values():
            for pin, hashes in entries:
                pinned_version(pin)
                assert hashes and all(h.startswith("sha256:") for h in hashes), f"{pin} in {lock.name}"


def test_make_and_the_image_install_from_the_locks_and_nothing_unpinned():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "RUN_LOCK  := requirements/run.txt" in makefile and "TEST_LOCK := requirements/test.txt" in makefile
    assert makefile.count("--require-hashes --requirement $(RUN_LOCK)") == 1
    assert makefile.count("--require-hashes --requirement $(TEST_LOCK)") == 1
    assert "--no-deps --no-build-isolation --editable ." in makefile
    assert "--require-hashes --requirement requirements/run.txt" in dockerfile
    assert "--no-deps --no-build-isolation ." in dockerfile
    # Every install step is one of those (or the pinned uv that writes the locks): none fetches an unpinned package.
    steps = [line for line in makefile.splitlines() if line.startswith("\t") and ("pip" in line or "PIP" in line)]
    steps += [line for line in dockerfile.splitlines() if "pip install" in line]
    assert len(steps) >= 4, steps
    for line in steps:
        assert "--require-hashes" in line or "--no-deps" in line or "uv==" in line, line
