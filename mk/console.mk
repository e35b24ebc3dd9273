# Clinical safety console (console/README.md): a web console for the clinic's staff that
# reads Rasa's tracker store read-only and keeps its own tables (staff, sessions,
# reviews, audit log). It has its own virtual environment (console/.venv) and its own
# port; Chart.js comes from npm and is copied into console/static/vendor/.

CONSOLE_VENV := console/.venv
CONSOLE_PY := $(CONSOLE_VENV)/bin/python
CONSOLE_STAMP := $(CONSOLE_VENV)/.installed
CONSOLE_PYTHON ?= $(shell command -v python3.11 || command -v python3)
CONSOLE_NODE_STAMP := console/node_modules/.package-lock.json
CONSOLE_CHART := console/static/vendor/chart.umd.min.js
CONSOLE_PORT ?= 5620
# Plain HTTP on localhost: browsers keep Secure cookies only over HTTPS (and on
# localhost); set CONSOLE_SECURE_COOKIES=1 behind TLS.
CONSOLE_SECURE_COOKIES ?= 1

TEST_TARGETS += test-console
PYTHON_DIRS += console

.PHONY: console console-install console-assets console-migrate console-user console-password \
	console-fixture test-console console-verify-audit console-rotate-audit-key console-totp

$(CONSOLE_STAMP): console/requirements.txt console/requirements-test.txt
	test -x $(CONSOLE_PY) || $(CONSOLE_PYTHON) -m venv $(CONSOLE_VENV)
	$(CONSOLE_PY) -m pip install --quiet -r console/requirements-test.txt
	touch $@

console-install: $(CONSOLE_STAMP) ## Create the console's virtual environment (console/.venv)

$(CONSOLE_NODE_STAMP): console/package.json console/package-lock.json
	WIDGET_SKIP_BROWSER=1 bash widget/scripts/install-system-deps.sh
	cd console && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_CHART): $(CONSOLE_NODE_STAMP)
	mkdir -p $(dir $@)
	cp console/node_modules/chart.js/dist/chart.umd.min.js $@

console-assets: $(CONSOLE_CHART) ## Copy Chart.js from npm into console/static/vendor/

console-migrate: $(CONSOLE_STAMP) ## Create or upgrade the console's own tables (var/console.db by default)
	$(CONSOLE_PY) -m console migrate

console-user: $(CONSOLE_STAMP) ## Create a staff account: make console-user NAME=alice ROLE=admin (asks for the password)
	@test -n "$(NAME)" || { echo "usage: make console-user NAME=<user> ROLE=reviewer|admin"; exit 2; }
	$(CONSOLE_PY) -m console create-user "$(NAME)" --role "$(or $(ROLE),reviewer)"

console-password: $(CONSOLE_STAMP) ## New password for a staff account, lifts a lockout: make console-password NAME=alice
	@test -n "$(NAME)" || { echo "usage: make console-password NAME=<user>"; exit 2; }
	$(CONSOLE_PY) -m console set-password "$(NAME)"

console-totp: $(CONSOLE_STAMP) ## Two-factor codes for a staff account, shows its QR code once; again for a lost phone: make console-totp NAME=alice
	@test -n "$(NAME)" || { echo "usage: make console-totp NAME=<user>"; exit 2; }
	$(CONSOLE_PY) -m console enrol-totp "$(NAME)"

console: $(CONSOLE_STAMP) $(CONSOLE_CHART) ## Start the safety console alone on 127.0.0.1:5620 (CONSOLE_PORT; reads var/conversations.db)
	CONSOLE_PORT=$(CONSOLE_PORT) CONSOLE_SECURE_COOKIES=$(CONSOLE_SECURE_COOKIES) \
		$(CONSOLE_PY) -m console serve

# `make run` starts the console beside the assistant (supervisor/local.py).
run: $(CONSOLE_STAMP) $(CONSOLE_CHART)

console-fixture: $(MODEL) $(VENV_STAMP) ## Re-record the console's test conversations with the real assistant (ports 5615/5616)
	$(PY) -m console.scripts.record_fixture

test-console: $(CONSOLE_STAMP) $(CONSOLE_CHART) widget-system-deps ## Console tests: mypy, units and HTTP on the recorded conversations, PostgreSQL, then Chromium (axe-core)
	sh deploy/install-debs.sh
	$(CONSOLE_PY) -m mypy console
	$(CONSOLE_PY) -m pytest -q -p no:cacheprovider console/tests

console-verify-audit: $(CONSOLE_STAMP) ## Check the console's audit log chain and its anchors; name the first broken entry (exit 1 if broken)
	$(CONSOLE_PY) -m console verify-audit

console-rotate-audit-key: $(CONSOLE_STAMP) ## Hand the audit log over to a new key, the old one retired (var/ keys; deployments: console/README.md)
	$(CONSOLE_PY) -m console rotate-audit-key
