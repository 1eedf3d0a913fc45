"""``${name}`` variables and ``${secret:NAME}`` placeholders in a flow's text.

``${name}`` is a ``--var`` (or the file's ``vars:``) or the result of an earlier step's
``as:``; ``${name.field}`` reaches into a query's result. ``$${`` writes a literal ``${``.
``${secret:NAME}`` is left in place: it becomes `SecretText` and is read from the
environment only when the text is typed, so no record, prompt or output holds its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..actions.errors import ConfigError
from ..agent.secrets import SECRET_PATTERN

__all__ = ["Reference", "VariableError", "parse_var", "references", "render", "substitute"]

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_REF = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")


class VariableError(ConfigError):
    """A ``${...}`` that cannot be used where it stands (unknown, malformed, misplaced)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One ``${...}`` in a text: a variable (``name`` with its ``fields``) or a secret."""

    text: str
    """As written, ``${...}`` included."""
    name: str
    fields: tuple[str, ...] = ()
    secret: bool = False


def references(text: str) -> list[Reference]:
    """Every ``${...}`` in ``text``, in order.

    Raises:
        VariableError: a ``${...}`` that is neither ``${name}``, ``${name.field}`` nor
            ``${secret:NAME}``.
    """
    found: list[Reference] = []
    for match in _TOKEN.finditer(text):
        inner = match.group(1)
        if inner is None:  # $${: an escaped dollar
            continue
        whole = match.group(0)
        secret = SECRET_PATTERN.fullmatch(whole)
        if secret:
            found.append(Reference(whole, secret.group(1), secret=True))
            continue
        ref = _REF.match(inner.strip())
        if ref is None:
            raise VariableError(
                f"{whole} is not a variable: write ${{name}}, ${{name.field}} or ${{secret:NAME}}"
            )
        fields = tuple(f for f in ref.group(2).split(".") if f)
        found.append(Reference(whole, ref.group(1), fields))
    return found


def render(value: Any) -> str:
    """A result as it is written into text: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return json.dumps(value, ensure_ascii=False)


def _lookup(ref: Reference, values: Mapping[str, Any]) -> Any:
    if ref.name not in values:
        raise VariableError(f"unknown variable {ref.name!r} in {ref.text}")
    value = values[ref.name]
    for i, field in enumerate(ref.fields):
        if isinstance(value, BaseModel) and field in type(value).model_fields:
            value = getattr(value, field)
        elif isinstance(value, Mapping) and field in value:
            value = value[field]
        else:
            reached = ".".join((ref.name, *ref.fields[:i]))
            raise VariableError(f"{ref.text}: {reached} has no field {field!r}")
    return value


def substitute(text: str, values: Mapping[str, Any], *, keep_secrets: bool = False) -> str:
    """``text`` with each ``${name}`` replaced by its value and ``$${`` by ``${``.

    Args:
        text: the text as written in the flow.
        values: the variables and earlier results.
        keep_secrets: leave ``${secret:NAME}`` in place (typed text); otherwise one is an error.

    Raises:
        VariableError: an unknown variable or field, a secret where none may be, or a value
            that itself holds a ``${secret:...}`` (a page could otherwise make a model answer
            with one and have the secret typed where it should not go).
    """
    references(text)  # malformed ones fail first, with the whole text's first problem

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            if keep_secrets and text.startswith("secret:", match.end()):
                # SecretText would read the unescaped text as a placeholder and type the secret.
                raise VariableError("$${secret:...} cannot be escaped in typed text")
            return "${"
        whole = match.group(0)
        if SECRET_PATTERN.fullmatch(whole):
            if not keep_secrets:
                raise VariableError(f"{whole} may only appear in the text of a type step")
            return whole
        (ref,) = references(whole)
        value = render(_lookup(ref, values))
        if keep_secrets and SECRET_PATTERN.search(value):
            raise VariableError(f"the value of {whole} holds a ${{secret:...}} placeholder: refused")
        return value

    return _TOKEN.sub(replace, text)


def parse_var(text: str) -> tuple[str, str]:
    """``--var NAME=VALUE`` as ``(NAME, VALUE)``.

    Raises:
        ConfigError: no ``=``, or a NAME that is not a name.
    """
    name, sep, value = text.partition("=")
    if not sep:
        raise ConfigError(f"--var {text!r}: write NAME=VALUE")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ConfigError(f"--var {text!r}: {name!r} is not a name (letters, digits, _)")
    return name, value
