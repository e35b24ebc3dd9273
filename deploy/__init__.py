"""Deployment of the assistant: configuration files and the local cluster manager."""
