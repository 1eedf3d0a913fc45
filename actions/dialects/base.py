"""What every dialect shares: the `Decision` a parser returns, the verb table, and the
small text scanners (reasoning split, JSON extraction, numbers) the parsers are built from.

A dialect is the table between one model family's own action words and our `Action`
classes. The same table renders the action list the prompt shows (`Dialect.action_space`)
and decodes the answer, so the two cannot drift; `Dialect.encode` writes our actions back
in the model's words for the history of previous actions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParseError
from ..geometry import Box, Point, Space
from ..vocabulary import Action

__all__ = [
    "Args",
    "Decision",
    "Dialect",
    "Verb",
    "find_json",
    "point_of",
    "read_point",
    "split_thinking",
]

Args = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a model answered, typed.

    Attributes:
        actions: the actions, in the model's coordinate space (see `Point.space`); usually one.
        thought: the reasoning the model gave (MiMo's ``<think>`` block, UI-TARS' ``Thought:``).
        raw: the answer exactly as received.
        box: the box the model named, when it answered with one (grounding); the action
            acts at its centre.
    """

    actions: tuple[Action, ...]
    thought: str | None
    raw: str
    box: Box | None = None

    @property
    def action(self) -> Action:
        """The first action (a parser never returns an empty decision)."""
        return self.actions[0]


@dataclass(frozen=True, slots=True)
class Verb:
    """One word of a model's action vocabulary.

    Attributes:
        name: the model's own word (``click``, ``left_click``, ``press_back``).
        signature: how the prompt shows it (the model's trained form).
        produces: the action classes it can decode to (an env that supports none of
            them does not see this verb in its prompt).
        decode: the model's arguments, the coordinate space and the raw answer (for errors)
            to our actions.
        encode: our action to the model's arguments, or None when this verb does not
            express that action; used to write the history of previous actions.
        trained: False for verbs we add to a model's vocabulary (browser tabs, dialogs).
    """

    name: str
    signature: str
    produces: tuple[type[Any], ...]
    decode: Callable[[Args, Space, str], list[Action]]
    encode: Callable[[Action], dict[str, Any] | None] = lambda _: None
    trained: bool = True


@dataclass(frozen=True)
class Dialect:
    """A named verb table plus the parser that reads answers with it."""

    name: str
    verbs: tuple[Verb, ...]
    parser: Callable[[Dialect, str, Space], Decision]
    formatter: Callable[[str, dict[str, Any]], str]
    """Renders (verb name, encoded args) as the model would write it."""
    _by_name: dict[str, Verb] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {v.name: v for v in self.verbs})

    def verb(self, name: str, raw: str) -> Verb:
        """The verb called ``name``; an unknown word is a `ParseError` listing the known ones."""
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(v.name for v in self.verbs)
            raise ParseError(
                f"unknown action {name!r} in a {self.name} answer", raw=raw, expected=f"one of: {known}"
            ) from None

    def parse(self, text: str, space: Space) -> Decision:
        """Read a whole model answer into a `Decision`, points tagged with ``space``."""
        return self.parser(self, text, space)

    def action_space(self, supported: Iterable[type[Any]] | None = None) -> list[str]:
        """The prompt's action list: signatures of the verbs that produce a supported action."""
        if supported is None:
            return [v.signature for v in self.verbs]
        ok = set(supported)
        return [v.signature for v in self.verbs if any(p in ok for p in v.produces)]

    def encode(self, action: Action) -> str | None:
        """Our action in the model's own words, or None if no verb of this dialect says it."""
        for verb in self.verbs:
            args = verb.encode(action)
            if args is not None:
                return self.formatter(verb.name, args)
        return None


# -- scanners shared by the parsers ------------------------------------------------

_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"


def split_thinking(text: str) -> tuple[str | None, str]:
    """Split a reasoning model's answer into (thought, answer).

    The answer is what follows the *last* ``</think>`` (as Xiaomi's eval does). An answer
    that opens ``<think>`` and never closes it was cut off mid-thought: a `ParseError`.
    """
    close = text.rfind(_THINK_CLOSE)
    if close == -1:
        if _THINK_OPEN in text:
            raise ParseError(
                "the answer was cut off inside <think> before any action "
                "(raise max_tokens or turn thinking off)",
                raw=text,
                expected="<think>…</think> followed by an action",
            )
        return None, text
    head = text[:close]
    open_at = head.find(_THINK_OPEN)
    thought = head[open_at + len(_THINK_OPEN) :] if open_at != -1 else head
    return thought.strip() or None, text[close + len(_THINK_CLOSE) :]


_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def find_json(text: str) -> Any:
    """The first JSON value in ``text``: a fenced block's content, else the first balanced
    ``{…}`` or ``[…]`` that parses. Returns None when there is none."""
    fence = _FENCE.search(text)
    if fence is not None:
        try:
            return json.loads(fence.group(1))
        except (json.JSONDecodeError, RecursionError):  # nested deeper than the stack: no value of ours
            pass  # a broken fence: look for a value anywhere, fence included
    decoder = json.JSONDecoder()
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(text, i)
                return value
            except (json.JSONDecodeError, RecursionError):
                pass
        i += 1
    return None


_NUMBER = r"-?\d+(?:\.\d+)?"
_NUMBERS = re.compile(_NUMBER)


def _tokens(value: Any) -> list[Any]:
    """The raw numbers of a coordinate value: JSON numbers as they are, or the numerals of a string."""
    if isinstance(value, str):
        return list(_NUMBERS.findall(value))
    if isinstance(value, list | tuple):
        nums = list(value)
        if len(nums) == 1 and isinstance(nums[0], list | tuple):  # [[x, y]]
            nums = list(nums[0])
        return nums
    return []


def _written_as_fraction(token: Any) -> bool:
    """A number written with a decimal point (``0.5``, ``1.0``; not ``1``), within [0, 1]."""
    if isinstance(token, bool):
        return False
    if isinstance(token, str):
        return "." in token and 0.0 <= float(token) <= 1.0
    return isinstance(token, float) and 0.0 <= token <= 1.0


def _read_numbers(value: Any, *, what: str, raw: str, sizes: tuple[int, ...]) -> tuple[list[float], bool]:
    tokens = _tokens(value)
    try:
        out = [float(v) for v in tokens if not isinstance(v, bool)]
    except (TypeError, ValueError):
        out = []
    if len(out) not in sizes or len(out) != len(tokens):
        want = " or ".join(str(s) for s in sizes)
        raise ParseError(
            f"{what} must hold {want} numbers, got {value!r}", raw=raw, expected=f"{what}: [x, y]"
        )
    return out, all(_written_as_fraction(t) for t in tokens)


def read_point(value: Any, space: Space, *, what: str, raw: str) -> tuple[Point, Box | None]:
    """A point from a coordinate value of 2 numbers, or a box's centre (and the box) from 4.

    When every number is written with a decimal point and lies in [0, 1], the value is read
    as fractions of the image the model was shown (`Space.NORM_1`), as Xiaomi's eval reads
    such answers (``normalize_bbox``): ``[0.28, 0.5, 0.52, 0.7]`` is not a box at the
    origin. `Frame.to_screen` maps either space.
    """
    nums, fractions = _read_numbers(value, what=what, raw=raw, sizes=(2, 4))
    return point_of(nums, Space.NORM_1 if fractions else space)


def point_of(nums: list[float], space: Space) -> tuple[Point, Box | None]:
    """A point from 2 numbers, or a box's centre (and the box) from 4."""
    if len(nums) == 4:
        box = Box(x1=nums[0], y1=nums[1], x2=nums[2], y2=nums[3], space=space)
        return box.center, box
    return Point(x=nums[0], y=nums[1], space=space), None
