"""Environments: the Env contract and one adapter per platform."""
