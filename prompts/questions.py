"""The texts of the questions an agent asks about a screen: checks, plain questions, queries.

Each is a question and an answer format (`Profile.question_messages` puts them after the
image). They are templates in ``templates/``, so their wording is read and changed as text.
"""

from __future__ import annotations

import json
from typing import Any

from .render import load_template, render

__all__ = ["ask_format", "check_format", "check_question", "query_format"]


def check_question(statement: str) -> str:
    """The question for `Agent.check`: is ``statement`` true of the screen?"""
    return render("check_statement", statement=statement)


def check_format() -> str:
    """How a check is answered: JSON with ``passed`` and ``reason``."""
    return load_template("answer_check")


def ask_format() -> str:
    """How a plain question is answered: the answer alone, as text."""
    return load_template("answer_ask")


def query_format(schema: dict[str, Any]) -> str:
    """How a query is answered: one JSON object matching ``schema`` (a JSON Schema)."""
    return render("answer_query", schema=json.dumps(schema, ensure_ascii=False))
