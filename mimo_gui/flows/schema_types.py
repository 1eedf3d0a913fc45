"""The ``schema:`` mini-language of a ``query`` step, built into a pydantic model.

    schema: {count: int, titles: list[str], newest: {title: str, date: str}, tags: [str]}

A value is a type name (``str``, ``int``, ``float``, ``bool``), ``list[T]``, ``T | None``
(``optional[T]`` says the same), a nested map (a nested model) or a one-item YAML list
``[T]`` (a list of T, where T may be a map). Every field is required: a model that leaves
one out is asked again with the validation error, which is what ``query`` is for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, create_model

from ..actions.errors import ConfigError

__all__ = ["SCALAR_TYPES", "SchemaTypeError", "build_schema_model"]

SCALAR_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LIST = re.compile(r"^list\[(.*)\]$")
_OPTIONAL = re.compile(r"^optional\[(.*)\]$")


class SchemaTypeError(ConfigError):
    """A ``schema:`` entry that names no type; ``path`` is where, as keys from the schema's top."""

    def __init__(self, message: str, path: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.path = path


def build_schema_model(spec: Mapping[str, Any], name: str = "Answer") -> type[BaseModel]:
    """The pydantic model that ``spec`` describes.

    Raises:
        SchemaTypeError: an unknown type name, a field name that is not an identifier, an
            empty map, or a list form with other than one item (the error's ``path`` says where).
    """
    return _model(spec, name, ())


def _model(spec: Mapping[str, Any], name: str, path: tuple[str | int, ...]) -> type[BaseModel]:
    if not spec:
        raise SchemaTypeError("a schema map needs at least one field", path)
    fields: dict[str, Any] = {}
    for key, value in spec.items():
        here = (*path, key)
        if not isinstance(key, str) or not _FIELD_NAME.match(key):
            raise SchemaTypeError(f"field name {key!r} is not a name (letters, digits, _)", here)
        fields[key] = (_type(value, f"{name}_{key}", here), ...)
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    return model


def _type(value: Any, name: str, path: tuple[str | int, ...]) -> Any:
    if isinstance(value, Mapping):
        return _model(value, name.title().replace("_", ""), path)
    if isinstance(value, list):
        if len(value) != 1:
            raise SchemaTypeError(f"a list type is written [T] with one item, got {len(value)}", path)
        return list[_type(value[0], name, (*path, 0))]  # type: ignore[misc]
    if isinstance(value, str):
        return _named(value.strip(), name, path)
    raise SchemaTypeError(f"{value!r} is not a type: use {_known()}", path)


def _named(text: str, name: str, path: tuple[str | int, ...]) -> Any:
    if text in SCALAR_TYPES:
        return SCALAR_TYPES[text]
    if text.endswith("| None") or text.endswith("|None"):
        inner = text[: text.rindex("|")].strip()
        return Optional[_named(inner, name, path)]  # noqa: UP045 - built at run time
    for pattern, make in ((_LIST, list), (_OPTIONAL, Optional)):
        found = pattern.match(text)
        if found:
            return make[_named(found.group(1).strip(), name, path)]
    raise SchemaTypeError(f"unknown type {text!r}: use {_known()}", path)


def _known() -> str:
    return ", ".join(SCALAR_TYPES) + ", list[T], T | None, a nested map, or [T]"
