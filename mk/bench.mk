# Benchmarks of one Rasa server (not part of `make test`; figures, not assertions).
# `make bench` compares this assistant with a bare `rasa init` bot in one run
# (bench/compare.py); `make profile` writes a py-spy flame graph under load
# (bench/profile.py). `make bench-action-calls` counts the action server's requests
# per conversation (bench/action_calls.py); `make bench-memory` what the Rasa
# server's resident memory is made of (bench/memory.py). bench/load.py
# (`make bench-load`) measures the deployment.

BENCH_FLAGS ?=
PROFILE_FLAGS ?=
ACTION_CALLS_FLAGS ?=
MEMORY_FLAGS ?=
PY_SPY := $(VENV)/bin/py-spy
PY_SPY_VERSION := 0.4.3

.PHONY: bench bench-training bench-action-calls bench-memory profile

bench: $(MODEL) $(VENV_STAMP) ## This assistant vs a bare `rasa init` bot, same run: latency, msg/s at 1/10/50 conversations, turn 5 vs 200, start-up, memory
	$(PY) -m bench.compare $(BENCH_FLAGS)

bench-training: $(MODEL) $(VENV_STAMP) ## `make bench` plus training time from scratch and from the warm cache (slow)
	$(PY) -m bench.compare --training $(BENCH_FLAGS)

bench-action-calls: $(MODEL) $(VENV_STAMP) ## Action-server requests per conversation (FAQ, clean screening, escalations), counted by a forwarding server
	$(PY) -m bench.action_calls $(ACTION_CALLS_FLAGS)

bench-memory: $(MODEL) $(VENV_STAMP) ## Resident memory by part (TensorFlow, Rasa, each model component), and of the servers over several starts
	$(PY) -m bench.memory $(MEMORY_FLAGS)

$(PY_SPY): | $(VENV_STAMP)
	$(PY) -m pip install --quiet py-spy==$(PY_SPY_VERSION)

profile: $(MODEL) $(PY_SPY) ## py-spy flame graph of the Rasa server under 10 concurrent conversations (reports/profile/)
	$(PY) -m bench.profile $(PROFILE_FLAGS)
