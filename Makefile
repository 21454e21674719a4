# Bancheng: `make run` starts everything on this machine; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit bench migrate docs clean promtool

# Debian's nginx: tests/unit/k8s checks the gateway's configurations with `nginx -t` (it is not started).
$(STAMP): pyproject.toml
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m shared.devstack

test: $(STAMP) promtool
	$(PY) -m pytest $(PYTEST_ARGS)

# promtool checks and unit-tests the alerting rules (tests/unit/test_alert_rules.py): Debian's
# prometheus package, installed where it is missing (CI runs `make test` as root on a fresh machine).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

bench: $(STAMP)
	$(PY) bench/end_to_end.py

migrate: $(STAMP)
	for service in identity intake routing sla notify audit; do $(PY) -m services.$$service migrate || exit 1; done

docs: $(STAMP)
	$(PY) -m shared.asyncapi > docs/asyncapi.json

clean:
	rm -rf var .pytest_cache
