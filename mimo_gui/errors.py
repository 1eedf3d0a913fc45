"""Every error mimo-gui raises on purpose (the tree is drawn in `mimo_gui.actions.errors`)."""

from .actions import errors as _errors
from .actions.errors import *  # noqa: F403

__all__ = _errors.__all__
