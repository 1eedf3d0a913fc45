"""Text that carries secrets as placeholders: ``${secret:NAME}`` stays a placeholder in every
record, and becomes the value of the environment variable NAME only when it is typed.

    text = SecretText.parse("${secret:PASSWORD}")
    str(text)       # '${secret:PASSWORD}': what prompts, steps.jsonl and the console show
    text.reveal()   # os.environ["PASSWORD"], read now, at the moment of typing

The value is read late on purpose: a flow file or a script names the secret, and the
variable only has to exist when the step that types it runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..actions.errors import ConfigError

__all__ = ["SECRET_PATTERN", "SecretText"]

SECRET_PATTERN = re.compile(r"\$\{secret:([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${secret:NAME}``: NAME is an environment variable's name."""


@dataclass(frozen=True, slots=True)
class SecretText:
    """A text with ``${secret:NAME}`` placeholders left in it.

    ``str()`` is the text with its placeholders (safe to record); `reveal` is the text to type.
    """

    template: str

    @classmethod
    def parse(cls, text: str) -> SecretText | str:
        """``text`` as a `SecretText` when it names a secret, else ``text`` itself."""
        return cls(text) if SECRET_PATTERN.search(text) else text

    @property
    def names(self) -> tuple[str, ...]:
        """The secrets named, in order of first appearance."""
        return tuple(dict.fromkeys(m.group(1) for m in SECRET_PATTERN.finditer(self.template)))

    def reveal(self, environ: Mapping[str, str] | None = None) -> str:
        """The text with each placeholder replaced by its variable's value, read now.

        Raises:
            ConfigError: a named variable is not set (the message names it, never a value).
        """
        env = os.environ if environ is None else environ
        missing = [n for n in self.names if n not in env]
        if missing:
            raise ConfigError(
                f"the secret {missing[0]} is not set: export {missing[0]}=... before this step runs"
            )
        return SECRET_PATTERN.sub(lambda m: env[m.group(1)], self.template)

    def __str__(self) -> str:
        return self.template
