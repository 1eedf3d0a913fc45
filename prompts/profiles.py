"""The registry of model profiles, by the name users pass as ``--profile``."""

from __future__ import annotations

from ..actions.errors import ConfigError
from .mimo import MIMO_VL
from .profile import Profile
from .qwen import QWEN_VL
from .uitars import UITARS_15

__all__ = ["DEFAULT_PROFILE", "PROFILES", "get_profile"]

PROFILES: dict[str, Profile] = {p.name: p for p in (MIMO_VL, QWEN_VL, UITARS_15)}
DEFAULT_PROFILE = MIMO_VL.name


def get_profile(name: str | None = None) -> Profile:
    """The profile called ``name`` (None: the default, ``mimo-vl``); unknown names list the known ones."""
    key = name or DEFAULT_PROFILE
    try:
        return PROFILES[key]
    except KeyError:
        raise ConfigError(f"unknown profile {key!r}: known profiles are {', '.join(PROFILES)}") from None
