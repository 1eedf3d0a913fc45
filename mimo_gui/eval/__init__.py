"""Grounding evaluation: datasets, scoring, reports, synthetic data."""
