"""Rasa stores of the deployment (named in deploy/endpoints.prod.yml)."""
