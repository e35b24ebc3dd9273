"""The assistant's clinical safety case, modelled on NHS DCB0129.

``hazard_log.yml`` is the hazard register: each hazard with its cause, effect, risk
before and after its controls, and the evidence (tests, make targets, figures) that
shows each control works. :mod:`safety.register` loads and validates it and computes
the risk ratings; :mod:`safety.figures` reads the figures earlier test runs left
behind; ``scripts/safety_case.py`` writes the report.
"""
