# Production deployment (deploy/README.md): the local cluster from Debian's packages,
# its tests against real PostgreSQL, Redis, Rasa instances, the safety console and nginx
# (and the chat widget in headless Chromium through that nginx), the load benchmark.
# The console's own environment comes from mk/console.mk.

RASA_INSTANCES ?= 2
DEPLOY_TOOLS := build/deploy-tools
DEPLOY_TOOLS_STAMP := $(DEPLOY_TOOLS)/.installed

TEST_TARGETS += test-deploy

.PHONY: cluster cluster-stop cluster-status cluster-console-user cluster-rotate-audit-key deploy-debs deploy-tools \
	test-deploy lint-deploy bench-load retention

deploy-debs: ## Install PostgreSQL, Redis and nginx from Debian (idempotent)
	sh deploy/install-debs.sh

$(DEPLOY_TOOLS_STAMP): deploy/tools-requirements.txt
	test -x $(DEPLOY_TOOLS)/bin/python || python3 -m venv $(DEPLOY_TOOLS) || $(PY) -m venv $(DEPLOY_TOOLS)
	$(DEPLOY_TOOLS)/bin/python -m pip install --quiet -r deploy/tools-requirements.txt
	touch $@

deploy-tools: $(DEPLOY_TOOLS_STAMP) ## Venv with kubernetes-validate (kept apart from Rasa's pins)

cluster: $(MODEL) $(VENV_STAMP) $(CONSOLE_STAMP) $(CONSOLE_CHART) widget ## Start PostgreSQL, Redis, N Rasa + N action servers, the safety console and nginx on :5580 with the widget at /widget/, console :5581 (RASA_INSTANCES=2 EXPOSE_REST=0)
	$(PY) -m deploy.cluster start --instances $(RASA_INSTANCES)

cluster-console-user: $(VENV_STAMP) $(CONSOLE_STAMP) ## Create a safety console account in the local cluster: make cluster-console-user NAME=alice ROLE=admin
	@test -n "$(NAME)" || { echo "usage: make cluster-console-user NAME=<user> ROLE=reviewer|admin"; exit 2; }
	$(PY) -m deploy.cluster console-user "$(NAME)" --role "$(or $(ROLE),reviewer)"

cluster-rotate-audit-key: $(VENV_STAMP) $(CONSOLE_STAMP) ## Hand the cluster's console audit log over to a new key (var/cluster/secrets.json), restart the console
	$(PY) -m deploy.cluster rotate-audit-key

cluster-stop: $(VENV_STAMP) ## Stop everything `make cluster` started
	$(PY) -m deploy.cluster stop

cluster-status: $(VENV_STAMP) ## Show which parts of the local cluster run
	$(PY) -m deploy.cluster status

retention: $(VENV_STAMP) ## Delete conversations idle > RETENTION_DAYS (default 30) from the store in TRACKER_DB_URL / TRACKER_DB_*
	$(PY) -m privacy.retention --days $${RETENTION_DAYS:-30}

test-deploy: $(MODEL) $(VENV_STAMP) $(DEPLOY_TOOLS_STAMP) $(CONSOLE_STAMP) $(CONSOLE_CHART) widget-system-deps widget ## Deployment tests: manifests, privacy on PostgreSQL+SQLite, two instances, the console and the widget (Chromium) through nginx, restart, failover
	sh deploy/install-debs.sh
	$(PY) -m pytest -q -p no:cacheprovider tests/deploy

lint-deploy: $(VENV_STAMP) $(DEPLOY_TOOLS_STAMP) ## Ruff on the deployment code, schema check of deploy/k8s
	$(VENV)/bin/ruff check deploy privacy tests/deploy bench/load.py bench/load_results.py
	$(VENV)/bin/ruff format --check deploy privacy tests/deploy bench/load.py bench/load_results.py
	$(DEPLOY_TOOLS)/bin/kubernetes-validate --strict --quiet $(filter-out %kustomization.yaml,$(wildcard deploy/k8s/*.yaml))

bench-load: $(MODEL) $(VENV_STAMP) ## Load benchmark: 10/50/200 conversations on 1 and 2 instances vs a bare `rasa init` bot
	sh deploy/install-debs.sh
	$(PY) bench/load.py
