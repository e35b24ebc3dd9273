# End-to-end conversation tests (e2e/README.md): the real Rasa server and action
# server are started on their own ports, every case in tests/e2e/*.yml is run through
# the REST channel, and the servers are stopped again whatever the outcome.

E2E_RASA_PORT ?= 5205
E2E_ACTIONS_PORT ?= 5255
E2E_TOKEN ?= e2e-local-token
E2E_WORKERS ?= 4
E2E_STARTUP_TIMEOUT ?= 600
E2E_REPORTS ?= reports/e2e
E2E_GENERATED ?= $(E2E_REPORTS)/generated
E2E_CASES ?= tests/e2e $(E2E_GENERATED)

TEST_TARGETS += test-e2e

.PHONY: test-e2e test-e2e-suite test-e2e-runner

test-e2e: test-e2e-runner test-e2e-suite ## End-to-end tests: the runner's own tests, then every tests/e2e/*.yml case against real servers

test-e2e-suite: $(MODEL) $(VENV_STAMP) ## Run the e2e conversation suite and the suite generated from the triage table (reports in reports/e2e/)
	$(PY) -m e2e.generate --out $(E2E_GENERATED)/red_flags_generated.yml
	$(PY) -m supervisor run --model $(MODEL) \
		--rasa-port $(E2E_RASA_PORT) --actions-port $(E2E_ACTIONS_PORT) --token $(E2E_TOKEN) \
		--log-dir $(E2E_REPORTS) --timeout $(E2E_STARTUP_TIMEOUT) -- \
		$(PY) -m e2e run $(E2E_CASES) --url http://127.0.0.1:$(E2E_RASA_PORT) --token $(E2E_TOKEN) \
		--workers $(E2E_WORKERS) --junit $(E2E_REPORTS)/junit.xml --html $(E2E_REPORTS)/report.html

test-e2e-runner: $(MODEL) $(VENV_STAMP) ## Unit tests of the e2e runner and the deliberately broken bot check
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e
