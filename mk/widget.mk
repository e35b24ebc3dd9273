# Chat widget for the clinic's website (widget/README.md): a single-script bundle that
# talks to Rasa's socket.io channel, a demo clinic page, and browser tests that drive
# Debian's headless Chromium against the real Rasa and action servers.

WIDGET_PORT ?= 8000
WIDGET_RASA_URL ?= http://localhost:5005
WIDGET_NODE_STAMP := widget/node_modules/.package-lock.json
WIDGET_BUNDLE := widget/dist/clinic-chat.js
WIDGET_SOURCES := $(wildcard widget/src/*) widget/build.mjs

TEST_TARGETS += test-widget

.PHONY: widget widget-system-deps widget-serve test-widget

widget-system-deps: ## Install Node.js/npm and chromium from Debian when missing (idempotent)
	bash widget/scripts/install-system-deps.sh

$(WIDGET_NODE_STAMP): widget/package.json widget/package-lock.json
	WIDGET_SKIP_BROWSER=1 bash widget/scripts/install-system-deps.sh
	cd widget && npm ci --no-audit --no-fund
	touch $@

$(WIDGET_BUNDLE): $(WIDGET_NODE_STAMP) $(WIDGET_SOURCES)
	cd widget && node build.mjs

widget: $(WIDGET_BUNDLE) ## Build the chat widget: widget/dist/clinic-chat.js and clinic-chat.css

widget-serve: $(WIDGET_BUNDLE) ## Serve the demo clinic page + widget on 127.0.0.1:$(WIDGET_PORT), talking to $(WIDGET_RASA_URL)
	WIDGET_RASA_URL=$(WIDGET_RASA_URL) python3 widget/server.py --port $(WIDGET_PORT)

test-widget: $(MODEL) $(VENV_STAMP) widget-system-deps $(WIDGET_BUNDLE) ## Browser tests of the chat widget (real Rasa + actions, headless Chromium; screenshots in docs/screenshots/)
	$(PY) -m pytest -q -p no:cacheprovider widget/tests/test_widget_channel.py
	PY=$(PY) RASA=$(RASA) MODEL=$(MODEL) node widget/tests/e2e.mjs
