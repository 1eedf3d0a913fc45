"""Choosing and building a backend from flags and environment variables.

The rule users rely on: ``openai`` when a base URL is given (``--base-url`` or
``MIMO_GUI_BASE_URL``), else ``transformers`` (the model loaded on this machine).
"""

from __future__ import annotations

import os
from typing import Literal

from ...actions.errors import ConfigError
from .base import Backend

__all__ = ["BACKEND_KINDS", "BackendKind", "choose_backend_kind", "create_backend"]

BackendKind = Literal["openai", "transformers", "scripted"]
BACKEND_KINDS: tuple[str, ...] = ("openai", "transformers", "scripted")


def choose_backend_kind(kind: str | None, base_url: str | None) -> str:
    """The backend kind to use: the one asked for, else by the presence of a base URL."""
    kind = kind or os.environ.get("MIMO_GUI_BACKEND") or None
    if kind is None:
        return "openai" if (base_url or os.environ.get("MIMO_GUI_BASE_URL")) else "transformers"
    if kind not in BACKEND_KINDS:
        raise ConfigError(f"unknown backend {kind!r}: expected one of {', '.join(BACKEND_KINDS)}")
    return kind


def create_backend(
    kind: str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    timeout: float | None = None,
    image_format: str | None = None,
) -> Backend:
    """Build an ``openai`` or ``transformers`` backend (``scripted`` ones are built by their callers).

    Raises:
        ConfigError: an unknown kind, or ``openai`` without a base URL.
        ModelNotFoundError: ``transformers`` with a model that is not on this machine and cannot be fetched.
    """
    chosen = choose_backend_kind(kind, base_url)
    if chosen == "openai":
        from .openai import OpenAIBackend

        extra = {"image_format": image_format} if image_format else {}
        return OpenAIBackend.from_env(
            base_url=base_url, model=model, api_key=api_key, timeout=timeout, **extra
        )
    if chosen == "transformers":
        from .transformers import DEFAULT_MODEL, TransformersBackend

        return TransformersBackend(model or os.environ.get("MIMO_GUI_MODEL") or DEFAULT_MODEL)
    raise ConfigError(
        "the scripted backend plays answers from a script: pass --answers FILE (or use `mimo-gui demo`)"
    )
