# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv first if it needs to.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# Everything installs from the lock files, pinned with hashes: requirements/run.txt (what rotobot needs to run,
# and what the Docker image installs) and requirements/test.txt (the same pins plus the test tools). pip and the
# build backend setuptools are in both, so rotobot itself installs with --no-build-isolation and --no-deps and no
# step fetches an unpinned package. `make lock` rewrites both after a change to pyproject.toml.
RUN_LOCK  := requirements/run.txt
TEST_LOCK := requirements/test.txt
PIP       := $(BIN)/python -m pip install --quiet
INSTALL_SELF := $(PIP) --no-deps --no-build-isolation --editable .

.PHONY: run test demo bench lock clean

run: $(VENV)/.run-deps
	$(BIN)/rotobot run

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest

demo: $(VENV)/.run-deps
	$(BIN)/rotobot demo

bench: $(VENV)/.test-deps
	$(BIN)/python -m bench

# Reinstall when a lock file or pyproject.toml (entry points, package data) changes; the stamp files record that
# the install finished.
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.run-deps: $(RUN_LOCK) pyproject.toml $(VENV)/.created
	$(PIP) --require-hashes --requirement $(RUN_LOCK)
	$(INSTALL_SELF)
	touch $@

# test.txt pins every package of run.txt at the same version, so a test install is also a run install.
$(VENV)/.test-deps: $(TEST_LOCK) $(RUN_LOCK) pyproject.toml $(VENV)/.created
	$(PIP) --require-hashes --requirement $(TEST_LOCK)
	$(INSTALL_SELF)
	touch $@ $(VENV)/.run-deps

# The lock files, from pyproject.toml and requirements/build.in, by uv at a fixed version in a venv of its own.
# Pins already in the files are kept unless the ranges exclude them; `make lock LOCK_FLAGS=--upgrade` moves every
# package to its newest allowed release. test.txt is resolved first and run.txt within it, so both agree.
UV_VERSION := 0.13.9
UV_VENV    := .venv-uv
UV         := $(UV_VENV)/bin/uv
LOCK_FLAGS ?=
COMPILE    := $(UV) pip compile pyproject.toml requirements/build.in --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet $(LOCK_FLAGS)

lock: $(UV_VENV)/.uv-$(UV_VERSION)
	$(COMPILE) --extra test --output-file $(TEST_LOCK)
	$(COMPILE) --constraint $(TEST_LOCK) --output-file $(RUN_LOCK)

$(UV_VENV)/.uv-$(UV_VERSION):
	rm -rf $(UV_VENV)
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

clean:
	rm -rf $(VENV) $(UV_VENV) build *.egg-info .pytest_cache
