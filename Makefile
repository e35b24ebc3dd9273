# The hamstring-cramp assistant. `make help` lists the targets.
# Two commands do everything on a fresh machine: `make run` and `make test`.

SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
VENV_STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt $(sort $(wildcard requirements/*.txt))

SPACY_PIPELINE := build/spacy/en_hamstring
SPACY_STAMP := $(SPACY_PIPELINE)/meta.json
# The files nlp.build reads (nlp/build.py, SOURCE_GLOBS; their digest goes into meta.json).
SPACY_SOURCES := $(wildcard nlp/*.py nlp/*.yml actions/triage.py tests/safety/phrasings/dev/*.yml)

MODEL := models/hamstring.tar.gz
# The components config.yml names are trained into the model too (Rasa's cache retrains
# only those whose code or inputs changed).
TRAINING_FILES := $(wildcard domain/*.yml) config.yml $(shell find data -name '*.yml' 2>/dev/null) \
	$(wildcard components/*.py)

# Third-party warnings of Rasa's commands go to logs/warnings.log (supervisor/quiet.py).
QUIET := $(PY) -m supervisor.quiet --log logs/warnings.log --

RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
# DIET loaded for inference only against Rasa's load, on every eighth sentence of the
# phrasing corpus (minutes). They need the trained model: run by test-nlu-model, after
# training, never skipped, and not by test-unit.
DIET_LOAD_TESTS := tests/components/test_inference_diet.py
PYTHON_DIRS := actions nlp scripts tests bench e2e channels privacy deploy widget supervisor rasa_sdk_plugins secret_checks components stores conftest.py

# Test targets added by the fragments in mk/ (e2e, widget, channels, deployment).
TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: help install spacy train run shell actions test lint test-unit validate \
	test-core test-nlu test-nlu-model clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort -u | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

$(VENV_STAMP): $(REQUIREMENTS) constraints.txt pyproject.toml
	test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet $(addprefix -r ,$(REQUIREMENTS)) -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV_STAMP) ## Create the virtual environment with the pinned dependencies and the project's packages (editable)

$(SPACY_STAMP): $(VENV_STAMP) $(SPACY_SOURCES)
	$(PY) -m nlp.build --output $(SPACY_PIPELINE)

spacy: $(SPACY_STAMP) ## Build the project's own spaCy pipeline (lemmas + red-flag matcher)

$(MODEL): $(VENV_STAMP) $(SPACY_STAMP) $(TRAINING_FILES)
	$(QUIET) $(RASA) train --domain domain --fixed-model-name hamstring --out models

train: $(MODEL) ## Train the model (only when data, domain, config or the spaCy pipeline changed)

run: $(MODEL) widget ## Start the action server, the assistant (REST, web widget, HTTP API) and the demo clinic page
	RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT) MODEL=$(MODEL) $(PY) -m supervisor.local

shell: $(MODEL) ## Chat with the assistant in the terminal
	RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT) MODEL=$(MODEL) $(PY) -m supervisor.local --shell

actions: $(VENV_STAMP) ## Start only the action server
	SANIC_HOST=127.0.0.1 $(RASA) run actions --port $(ACTIONS_PORT) --actions actions

test: lint test-unit validate test-core test-nlu test-nlu-model $(TEST_TARGETS) ## Run every test (lint, unit, data, stories, NLU, e2e, widget, channels, deployment)

lint: $(VENV_STAMP) ## ruff lint and format check, mypy type check (settings in pyproject.toml)
	$(VENV)/bin/ruff check $(wildcard $(PYTHON_DIRS))
	$(VENV)/bin/ruff format --check $(wildcard $(PYTHON_DIRS))
	$(PY) -m mypy

test-unit: $(VENV_STAMP) ## Unit tests of the triage module, the actions, the spaCy detector and the server supervisor
	$(PY) -m pytest -q -p no:cacheprovider tests/actions tests/nlp tests/components tests/safety tests/supervisor tests/safety_case tests/stores tests/secret_checks tests/bench --ignore=tests/safety/test_heldout_model.py \
		--ignore=$(DIET_LOAD_TESTS)

validate: $(VENV_STAMP) ## rasa data validate --fail-on-warnings, with responses said by actions accounted for
	$(QUIET) $(PY) scripts/validate_data.py

test-core: $(MODEL) ## Conversation tests (tests/test_*.yml) with --fail-on-prediction-errors
	$(QUIET) $(RASA) test core --model $(MODEL) --stories tests --out results/core --fail-on-prediction-errors

test-nlu: $(MODEL) ## Held-out NLU test (tests/test_nlu.yml): intent accuracy must be at least 95%
	$(QUIET) $(RASA) test nlu --model $(MODEL) --nlu tests/test_nlu.yml --out results/nlu
	$(PY) scripts/check_nlu_results.py results/nlu/intent_report.json --min-accuracy 0.95

test-nlu-model: $(MODEL) ## Safety figures on the frozen held-out phrasing part through the trained model; DIET's load against Rasa's on the whole corpus
	RASA_MODEL=$(MODEL) $(QUIET) $(PY) -m pytest -q -s -p no:cacheprovider tests/safety/test_heldout_model.py
	$(QUIET) $(PY) -m pytest -q -p no:cacheprovider $(DIET_LOAD_TESTS)

clean: ## Remove models, build output and test results (keeps the venv and conversations)
	rm -rf models build results reports .rasa
