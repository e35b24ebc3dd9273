# End-to-end conversation tests (e2e/README.md): the real Rasa server and action
# server are started on their own ports, every case in tests/e2e/*.yml is run through
# the REST channel, and the servers are stopped again whatever the outcome. The
# assistant calls its actions through the runner's stub server (E2E_STUB_PORT), which
# answers the actions a case file stubs (stub_custom_actions) and forwards the rest.

E2E_RASA_PORT ?= 5205
E2E_ACTIONS_PORT ?= 5255
E2E_STUB_PORT ?= 5256
# Ports the runner's own tests use: the deliberately broken bot (and the SQL-store
# check), and the scripted fake Rasa server.
E2E_BROKEN_RASA_PORT ?= 5206
E2E_BROKEN_ACTIONS_PORT ?= 5207
E2E_TOKEN ?= e2e-local-token
E2E_WORKERS ?= 4
E2E_STARTUP_TIMEOUT ?= 600
E2E_REPORTS ?= reports/e2e
E2E_GENERATED ?= $(E2E_REPORTS)/generated
E2E_CASES ?= tests/e2e $(E2E_GENERATED)
# The suite's conversations are stored in SQLite, as `make run` stores them, so that
# "delete my conversation" is tested end to end (a fresh file each run).
E2E_TRACKER_DB ?= $(E2E_REPORTS)/conversations.db
# Fail the suite when a coverage table (responses, intents, actions, red flags x
# contexts) is below this percentage (reports/e2e/coverage/); empty: report only.
# The suite reaches 100 % with the names in E2E_COVERAGE_EXEMPT left out, each there
# with the reason no conversation can exercise it, so any new gap fails.
E2E_COVERAGE_THRESHOLD ?= 100
E2E_COVERAGE_EXEMPT ?= e2e/coverage_exempt.yml

TEST_TARGETS += test-e2e

.PHONY: test-e2e test-e2e-suite test-e2e-runner

test-e2e: test-e2e-runner test-e2e-suite ## End-to-end tests: the runner's own tests, then every tests/e2e/*.yml case against real servers

test-e2e-suite: $(MODEL) $(VENV_STAMP) ## Run the e2e conversation suite and the suite generated from the triage table (reports in reports/e2e/)
	$(PY) -m e2e.generate --out $(E2E_GENERATED)/red_flags_generated.yml
	rm -f $(E2E_TRACKER_DB)
	printf 'action_endpoint:\n  url: "http://127.0.0.1:%s/webhook"\n  token: $${ACTION_SERVER_TOKEN}\ntracker_store:\n  type: stores.cached_sql_tracker_store.CachedSQLTrackerStore\n  dialect: sqlite\n  db: "%s"\n  cache_states: true\n' \
		$(E2E_STUB_PORT) $(abspath $(E2E_TRACKER_DB)) > $(E2E_REPORTS)/endpoints.yml
	$(PY) -m supervisor run --model $(MODEL) --endpoints $(E2E_REPORTS)/endpoints.yml \
		--env TRACKER_DB_URL=sqlite:///$(abspath $(E2E_TRACKER_DB)) \
		--rasa-port $(E2E_RASA_PORT) --actions-port $(E2E_ACTIONS_PORT) --token $(E2E_TOKEN) \
		--log-dir $(E2E_REPORTS) --timeout $(E2E_STARTUP_TIMEOUT) -- \
		$(PY) -m e2e run $(E2E_CASES) --url http://127.0.0.1:$(E2E_RASA_PORT) --token $(E2E_TOKEN) \
		--stub-port $(E2E_STUB_PORT) --actions-url http://127.0.0.1:$(E2E_ACTIONS_PORT) \
		--workers $(E2E_WORKERS) --junit $(E2E_REPORTS)/junit.xml --html $(E2E_REPORTS)/report.html \
		--e2e-results $(E2E_REPORTS) --coverage $(E2E_REPORTS)/coverage \
		$(if $(E2E_COVERAGE_THRESHOLD),--coverage-threshold $(E2E_COVERAGE_THRESHOLD)) \
		$(if $(E2E_COVERAGE_EXEMPT),--coverage-exempt $(E2E_COVERAGE_EXEMPT))

test-e2e-runner: $(MODEL) $(VENV_STAMP) ## Unit tests of the e2e runner, the deliberately broken bot and the SQL-store check
	E2E_STUB_PORT=$(E2E_STUB_PORT) E2E_FAKE_RASA_PORT=$(E2E_BROKEN_RASA_PORT) \
	E2E_FAKE_ACTIONS_PORT=$(E2E_BROKEN_ACTIONS_PORT) \
	E2E_BROKEN_RASA_PORT=$(E2E_BROKEN_RASA_PORT) E2E_BROKEN_ACTIONS_PORT=$(E2E_BROKEN_ACTIONS_PORT) \
		$(PY) -m pytest -q -p no:cacheprovider tests/e2e
