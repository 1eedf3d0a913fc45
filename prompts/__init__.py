"""Prompt templates, message builders and model profiles."""
