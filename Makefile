# The README's two commands. Each creates/refreshes the local virtual environment first,
# so a fresh machine needs nothing else.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The browser side (export/): npm packages from the lock file, and Debian's Chromium for the page tests.
NPM_STAMP := export/node_modules/.installed
CHROMIUM := /usr/bin/chromium
# Open Clip Art (Debian's openclipart-svg): the second artwork source, only for `data clipart`.
CLIPART := /usr/share/openclipart/svg

.PHONY: demo test bench clean clipart

$(STAMP): requirements.txt setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e ".[dev]"
	touch $@

$(NPM_STAMP): export/package.json export/package-lock.json
	npm ci --prefix export --no-audit --no-fund --loglevel=error
	touch $@

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(CLIPART):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openclipart-svg

clipart: $(CLIPART)

# The page's npm packages too, so `lineart-color serve` works right after the demo.
demo: $(STAMP) $(NPM_STAMP)
	$(PY) -m lineart_color.commands.demo

test: $(STAMP) $(NPM_STAMP) $(CHROMIUM)
	$(PY) -m pytest

bench: $(STAMP) $(NPM_STAMP) $(CHROMIUM)
	$(PY) benchmarks/bench_data.py
	$(PY) benchmarks/bench_ctn.py
	$(PY) benchmarks/bench_export.py
	$(PY) benchmarks/bench_browser.py
	$(PY) benchmarks/bench_colorize.py --methods flow

clean:
	rm -rf $(VENV) demo_output export/node_modules
