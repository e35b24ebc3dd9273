# Clinical safety case, modelled on NHS DCB0129: safety/hazard_log.yml lists the
# hazards with their controls and the tests, make targets and figures that verify
# them. scripts/safety_case.py validates it (every cited test, case and target must
# exist; nothing is run) and writes the report with the figures the last test runs
# left in results/ and reports/.

SAFETY_REGISTER ?= safety/hazard_log.yml
SAFETY_CASE_REPORT ?= reports/safety-case.md

# `make lint` covers the safety package too.
PYTHON_DIRS += safety

.PHONY: safety-case

safety-case: $(VENV_STAMP) ## Validate safety/hazard_log.yml and write the clinical safety case (reports/safety-case.md)
	$(PY) scripts/safety_case.py --register $(SAFETY_REGISTER) --output $(SAFETY_CASE_REPORT)
