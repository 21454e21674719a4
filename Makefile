# Bancheng: `make run` starts everything on this machine; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

WEB := services/console/web
WEB_SOURCES := $(shell find $(WEB)/src -type f) $(addprefix $(WEB)/,index.html package.json vite.config.ts tsconfig.json)

.PHONY: run test unit bench migrate docs clean promtool chromium

# Debian's nginx: tests/unit/k8s checks the gateway's configurations with `nginx -t` (it is not started).
$(STAMP): pyproject.toml
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) $(WEB)/dist/index.html
	$(PY) -m shared.dev.stack

test: $(STAMP) promtool chromium $(WEB)/dist/index.html
	$(PY) -m pytest $(PYTEST_ARGS)

# promtool checks and unit-tests the alerting rules (tests/unit/test_alert_rules.py): Debian's
# prometheus package, installed where it is missing (CI runs `make test` as root on a fresh machine).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

# The staff console's Vue app (docs/console.md): npm ci when the lock file changed, a build when any source is
# newer than dist (the console serves dist). Node.js 20 and the npm registry are needed, nothing else.
$(WEB)/node_modules/.package-lock.json: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error

$(WEB)/dist/index.html: $(WEB)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(WEB) && npm run build --silent -- --logLevel error
	touch $@

# tests/e2e/test_console.py drives Debian's chromium through Playwright (never `playwright install`), with a
# CJK font so its screenshots (docs/screenshots) show the Chinese labels.
chromium:
	@{ test -x /usr/bin/chromium && test -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc; } || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null; }

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

bench: $(STAMP)
	$(PY) bench/end_to_end.py

migrate: $(STAMP)
	for service in identity intake routing sla notify audit; do $(PY) -m services.$$service migrate || exit 1; done

docs: $(STAMP) $(WEB)/node_modules/.package-lock.json
	$(PY) -m services.asyncapi > docs/asyncapi.json
	$(PY) -m services.openapi

clean:
	rm -rf var .pytest_cache
