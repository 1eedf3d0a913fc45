"""The flow file's shape, as pydantic models: the env block, the model block and the steps.

A step is a map with one key, its kind. Most kinds have a shorthand, the kind's main field
as a plain scalar (``click: the Sign in button``), besides the map form
(``click: {description: the Sign in button, refine: true}``). The loader turns the
shorthand into the map before validating the step's options model, so every error names a
field of one model; `FlowFile` (both forms as a union) exists for the shipped JSON Schema.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeAlias, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

__all__ = [
    "NAME_PATTERN",
    "STEP_KINDS",
    "STEP_OPTIONS",
    "Act",
    "AndroidSpec",
    "Ask",
    "BrowserSpec",
    "DesktopSpec",
    "EnvBlock",
    "FlowFile",
    "ModelBlock",
    "Navigate",
    "Press",
    "Query",
    "SchemaSpec",
    "ScrollTo",
    "Statement",
    "StepOptions",
    "Target",
    "TypeText",
    "WaitUntil",
    "flow_schema",
]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
"""A variable's or a result's name: what ``${name}`` can refer to."""


class _Strict(BaseModel):
    # A misspelt key (``refin: true``) would otherwise be dropped without a word.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# -- the env block ------------------------------------------------------------------------------


class BrowserSpec(_Strict):
    """Chromium, launched (or attached to with ``cdp_url``) on ``url``."""

    url: str | None = None
    viewport: str | None = Field(default=None, pattern=r"^\d+x\d+$", description="WIDTHxHEIGHT in CSS px")
    device_scale_factor: float | None = Field(default=None, gt=0)
    headed: bool = False
    cdp_url: str | None = None


class DesktopSpec(_Strict):
    """This machine's X desktop: one monitor."""

    monitor: int | None = Field(default=None, ge=1)
    scale: float | None = Field(default=None, gt=0)


class AndroidSpec(_Strict):
    """A phone through an adb server."""

    serial: str | None = None
    adb_host: str | None = None
    adb_port: int | None = Field(default=None, ge=1, le=65535)


class EnvBlock(_Strict):
    """Exactly one of ``browser``, ``desktop``, ``android``."""

    browser: BrowserSpec | None = None
    desktop: DesktopSpec | None = None
    android: AndroidSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> EnvBlock:
        given = [k for k in ("browser", "desktop", "android") if getattr(self, k) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise PydanticCustomError(
                "one_env", "name exactly one of browser, desktop, android (found: {found})", {"found": found}
            )
        return self

    @property
    def kind(self) -> Literal["browser", "desktop", "android"]:
        if self.browser is not None:
            return "browser"
        return "desktop" if self.desktop is not None else "android"


# -- the model block -------------------------------------------------------------------------


class ModelBlock(_Strict):
    """The model; every field may be left out (flags and ``MIMO_GUI_*`` variables decide)."""

    backend: Literal["openai", "transformers", "scripted"] | None = None
    base_url: str | None = None
    name: str | None = Field(default=None, description="model name or hub id")
    profile: str | None = None
    think: bool | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0)
    min_pixels: int | None = Field(default=None, ge=1)
    max_pixels: int | None = Field(default=None, ge=1)
    image_format: Literal["png", "jpeg", "webp"] | None = None
    resolution: Literal["physical", "logical"] | None = Field(
        default=None, description="frame a HiDPI screenshot at its physical pixels or its logical size"
    )
    answers: str | None = Field(
        default=None, description="scripted backend: a JSON list of answers, relative to the flow file"
    )


# -- step options --------------------------------------------------------------------------------

SchemaSpec = TypeAliasType("SchemaSpec", "str | dict[str, SchemaSpec] | list[SchemaSpec]")
"""A ``schema:`` entry: a type name (``int``, ``list[str]``), a nested map, or ``[T]``."""


class _Options(_Strict):
    primary: ClassVar[str]
    """The field a scalar shorthand fills."""


class Target(_Options):
    """``click``, ``double_click``, ``right_click``, ``hover``: an element by its description."""

    primary = "description"
    description: str = Field(min_length=1)
    refine: bool = False


class TypeText(_Options):
    """``type``: text (the only place ``${secret:NAME}`` may appear), optionally into an element."""

    primary = "text"
    text: str
    into: str | None = None
    clear: bool = False
    enter: bool = False


class Press(_Options):
    """``press``: keys pressed together (``enter``, ``ctrl+a``); no model call."""

    primary = "keys"
    keys: str = Field(min_length=1)


class ScrollTo(_Options):
    """``scroll``: content in ``direction`` comes into view, the wheel turning over ``at``."""

    primary = "direction"
    direction: Literal["up", "down", "left", "right"]
    at: str | None = None
    amount: int | None = Field(default=None, ge=1)


class Statement(_Options):
    """``assert``: a statement about the screen that must hold."""

    primary = "statement"
    statement: str = Field(min_length=1)


class WaitUntil(_Options):
    """``wait_until``: check the statement until it holds or ``timeout`` seconds pass."""

    primary = "statement"
    statement: str = Field(min_length=1)
    timeout: float = Field(default=10.0, gt=0)
    interval: float = Field(default=0.5, gt=0)


class Navigate(_Options):
    """``navigate``: open a URL in the browser (executed directly, no model call)."""

    primary = "url"
    url: str = Field(min_length=1)


class Ask(_Options):
    """``ask``: a question answered in words, kept as result ``as``."""

    primary = "question"
    question: str = Field(min_length=1)
    name: str = Field(alias="as", pattern=NAME_PATTERN)


class Query(_Options):
    """``query``: a question answered as data of ``schema``'s shape, kept as result ``as``."""

    primary = "question"
    question: str = Field(min_length=1)
    schema_: dict[str, SchemaSpec] = Field(alias="schema", min_length=1)
    name: str = Field(alias="as", pattern=NAME_PATTERN)
    retries: int = Field(default=1, ge=0)


class Act(_Options):
    """``act``: a sub-goal the model carries out in several steps."""

    primary = "instruction"
    instruction: str = Field(min_length=1)
    max_steps: int | None = Field(default=None, ge=1)


StepOptions: TypeAlias = (
    Target | TypeText | Press | ScrollTo | Statement | WaitUntil | Navigate | Ask | Query | Act
)

STEP_OPTIONS: dict[str, type[_Options]] = {
    "click": Target,
    "double_click": Target,
    "right_click": Target,
    "hover": Target,
    "type": TypeText,
    "press": Press,
    "scroll": ScrollTo,
    "assert": Statement,
    "wait_until": WaitUntil,
    "navigate": Navigate,
    "ask": Ask,
    "query": Query,
    "act": Act,
}
"""Each step kind and the model of its options."""

STEP_KINDS: tuple[str, ...] = tuple(STEP_OPTIONS)

_SHORTHAND_FREE = {Ask, Query}
"""Kinds whose results need a name: no scalar shorthand."""


# -- the whole file (for the JSON Schema) --------------------------------------------------------


def _step_model(kind: str, options: type[_Options]) -> type[BaseModel]:
    """``{kind: options}`` as a model with one required field (``kind: str | options`` where a
    shorthand exists)."""
    from pydantic import create_model

    value: Any = options if options in _SHORTHAND_FREE else (str | options)
    name = "".join(part.title() for part in kind.split("_")) + "Step"
    fields: dict[str, Any] = {kind: (value, ...)}
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    return model


def _kind_of(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        return str(key)
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields), None)
    return None


_STEP_MODELS = {kind: _step_model(kind, options) for kind, options in STEP_OPTIONS.items()}

_STEP_UNION: Any = Annotated[
    Union[tuple(Annotated[m, Tag(k)] for k, m in _STEP_MODELS.items())],  # noqa: UP007
    Discriminator(_kind_of),
]
"""One step, told apart by its one key (the union is built from `STEP_OPTIONS`)."""


class FlowFile(_Strict):
    """A flow file: where, with which model, and the steps in order."""

    model_config = ConfigDict(extra="forbid", title="mimo-gui flow", protected_namespaces=())

    env: EnvBlock
    model: ModelBlock | None = None
    vars: dict[str, str] = Field(
        default_factory=dict, description="default values of ${name}; --var NAME=VALUE overrides them"
    )
    steps: list[_STEP_UNION] = Field(min_length=1)


def flow_schema() -> dict[str, Any]:
    """The JSON Schema of a flow file (what ``flow.schema.json`` ships)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **TypeAdapter(FlowFile).json_schema()}
