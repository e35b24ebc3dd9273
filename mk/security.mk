# Security probes against the real servers (tests/security/): the action server and the
# REST webhook as an attacker would send them.

.PHONY: test-security
TEST_TARGETS += test-security

test-security: $(MODEL) $(VENV_STAMP) ## Security probes: forged action calls, malformed and unauthenticated REST requests, against real servers
	$(PY) -m pytest -q -p no:cacheprovider tests/security
