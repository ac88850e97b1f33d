# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv first if it needs to.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test demo bench clean

run: $(VENV)/.run-deps
	$(BIN)/rotobot run

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest

demo: $(VENV)/.run-deps
	$(BIN)/rotobot demo

bench: $(VENV)/.test-deps
	$(BIN)/python -m bench

# Reinstall when pyproject.toml changes; the stamp files record that the install finished.
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.run-deps: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.created
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.run-deps

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
