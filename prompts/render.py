"""Prompt templates: text files shipped in ``prompts/templates/``, rendered strictly.

Templates use ``$name`` / ``${name}`` placeholders (`string.Template`), so the JSON braces
that fill these prompts need no escaping. A variable the caller did not give is a
`ConfigError` naming it, never an empty string in the prompt.
"""

from __future__ import annotations

import functools
import string
from importlib import resources

from ..actions.errors import ConfigError

__all__ = ["load_template", "render", "render_text"]


@functools.cache
def load_template(name: str) -> str:
    """The text of ``templates/<name>.txt`` (its final newline dropped)."""
    try:
        text = resources.files(__package__).joinpath("templates", f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no prompt template named {name!r}") from None
    return text[:-1] if text.endswith("\n") else text


def render_text(template: str, what: str = "template", **variables: object) -> str:
    """Fill ``template``'s placeholders; a missing one raises `ConfigError` naming it."""
    try:
        return string.Template(template).substitute({k: str(v) for k, v in variables.items()})
    except KeyError as exc:
        raise ConfigError(f"prompt {what} needs the variable {exc.args[0]!r}, which was not given") from None
    except ValueError as exc:
        raise ConfigError(f"prompt {what} is malformed: {exc}") from None


def render(name: str, **variables: object) -> str:
    """Render the shipped template ``name`` with ``variables``."""
    return render_text(load_template(name), name, **variables)
