"""Reading a flow file: YAML, kept with its line numbers, into checked models.

Everything that can be judged before a screen or a model starts is judged here, so a bad
file fails in a second with one line naming where: ``flow.yaml line 7, step 3 (type): ...``.
That covers YAML syntax, unknown keys and step kinds, missing and mistyped fields, schema
types, secrets outside typed text, and variables that no ``--var``, ``vars:`` or earlier
``as:`` defines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..actions.errors import ConfigError
from .model import NAME_PATTERN, STEP_KINDS, STEP_OPTIONS, EnvBlock, ModelBlock, Navigate, Query, StepOptions
from .model import TypeText as TypeTextOptions
from .schema_types import SchemaTypeError, build_schema_model
from .variables import VariableError, references, substitute

__all__ = ["Flow", "FlowError", "FlowStep", "load_flow", "parse_flow"]

_TOP_KEYS = ("env", "model", "vars", "steps")
_NO_SHORTHAND = ("ask", "query")

Path_ = tuple[str | int, ...]


class FlowError(ConfigError):
    """A flow file that cannot run; the message starts with the file, the line and the step."""

    def __init__(self, message: str, *, line: int | None = None, step: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.step = step


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step: its place (1-based ``index``, the file's ``line``), kind and options."""

    index: int
    line: int
    kind: str
    options: StepOptions
    answer_model: type[BaseModel] | None = None
    """A query's ``schema:`` built into a model; None for the other kinds."""

    def label(self, source: str) -> str:
        return f"{source} line {self.line}, step {self.index} ({self.kind})"


@dataclass(frozen=True, slots=True)
class Flow:
    """A checked flow: ``env`` and ``model`` with their variables filled in, steps as written."""

    source: str
    """The file as the user named it, for messages."""
    env: EnvBlock
    model: ModelBlock | None
    variables: dict[str, str]
    steps: tuple[FlowStep, ...]
    folder: Path
    """The file's folder: a relative ``answers:`` path is read from there."""


def load_flow(path: Path, given: Mapping[str, str] | None = None) -> Flow:
    """Read and check the flow file at ``path``; ``given`` are the ``--var`` values.

    Raises:
        FlowError: the file is missing or unreadable, or anything in it is wrong (one line
            naming the line and the step).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowError(f"flow file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(f"cannot read flow file {str(path)!r}: {exc}") from exc
    return parse_flow(text, str(path), given, folder=path.parent)


def parse_flow(
    text: str,
    source: str = "flow.yaml",
    given: Mapping[str, str] | None = None,
    *,
    folder: Path | None = None,
) -> Flow:
    """Check the flow in ``text`` (``source`` names it in messages).

    Raises:
        FlowError: as `load_flow`.
    """
    data, lines = _read_yaml(text, source)
    return _Checker(source, lines, dict(given or {})).flow(data, folder or Path("."))


# -- YAML with line numbers ---------------------------------------------------------------------


def _read_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FlowError(f"{source} is empty: a flow needs env: and steps:")
        lines: dict[Path_, int] = {}
        return _value(node, (), lines, loader, source), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = f" line {line}" if line else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise FlowError(f"{source}{where}: not valid YAML: {problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise FlowError(f"{source}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def _value(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: yaml.SafeLoader, source: str
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                line = key_node.start_mark.line + 1
                raise FlowError(f"{source} line {line}: a key must be a plain word", line=line)
            if key in out:
                line = key_node.start_mark.line + 1
                raise FlowError(f"{source} line {line}: {key!r} is given twice", line=line)
            out[key] = _value(value_node, (*path, key), lines, loader, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_value(item, (*path, i), lines, loader, source) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


# -- checking -----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, source: str, lines: dict[Path_, int], given: dict[str, str]) -> None:
        self.source = source
        self.lines = lines
        self.given = given

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def fail(self, path: Path_, message: str, step: tuple[int, str | None] | None = None) -> FlowError:
        line = self.line(path)
        kind = f" ({step[1]})" if step and step[1] else ""
        where = f", step {step[0]}{kind}" if step else ""
        return FlowError(f"{self.source} line {line}{where}: {message}", line=line, step=step and step[0])

    def flow(self, data: Any, folder: Path) -> Flow:
        if not isinstance(data, dict):
            raise self.fail((), "a flow is a map with env: and steps:")
        for key in data:
            if key not in _TOP_KEYS:
                raise self.fail((key,), f"unknown key {key!r}: a flow has {', '.join(_TOP_KEYS)}")
        variables = self.variables(data.get("vars"))
        if "env" not in data:
            raise self.fail((), "the flow names no env: (browser, desktop or android)")
        env = self.block(EnvBlock, data["env"], ("env",), variables)
        model = (
            None
            if data.get("model") is None
            else self.block(ModelBlock, data["model"], ("model",), variables)
        )
        steps = self.steps(data.get("steps"), variables, env)
        return Flow(self.source, env, model, variables, steps, folder)

    def variables(self, raw: Any) -> dict[str, str]:
        declared: dict[str, str] = {}
        if raw is not None:
            if not isinstance(raw, dict):
                raise self.fail(("vars",), "vars: is a map of names to text")
            for name, value in raw.items():
                if not isinstance(name, str) or not _is_name(name):
                    raise self.fail(("vars", name), f"vars: {name!r} is not a name (letters, digits, _)")
                if isinstance(value, dict | list) or value is None:
                    raise self.fail(("vars", name), f"vars: {name} must be text, a number or a boolean")
                text = value if isinstance(value, str) else _yaml_scalar(value)
                if any(r.secret for r in self.refs(text, ("vars", name))):
                    raise self.fail(
                        ("vars", name), "a ${secret:...} may only appear in the text of a type step"
                    )
                declared[name] = text
        return {**declared, **self.given}

    def refs(self, text: str, path: Path_, step: tuple[int, str] | None = None) -> list[Any]:
        try:
            return references(text)
        except VariableError as exc:
            raise self.fail(path, str(exc), step) from exc

    def block(self, model: type[Any], raw: Any, path: Path_, variables: dict[str, str]) -> Any:
        filled = self.fill(raw, path, variables)
        try:
            return model.model_validate(filled)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise self.fail((*path, *first["loc"]), f"{path[0]}: {_say(first)}") from exc

    def fill(self, raw: Any, path: Path_, variables: dict[str, str]) -> Any:
        """``raw`` with ``${name}`` filled from ``variables`` in every text (env and model blocks)."""
        if isinstance(raw, dict):
            return {k: self.fill(v, (*path, k), variables) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.fill(v, (*path, i), variables) for i, v in enumerate(raw)]
        if isinstance(raw, str):
            try:
                return substitute(raw, variables)
            except VariableError as exc:
                raise self.fail(path, f"{path[0]}: {exc}") from exc
        return raw

    def steps(self, raw: Any, variables: dict[str, str], env: EnvBlock) -> tuple[FlowStep, ...]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(("steps",), "steps: is a list of one or more steps")
        known = set(variables)
        defined_at: dict[str, int] = {}
        out: list[FlowStep] = []
        for i, item in enumerate(raw):
            path: Path_ = ("steps", i)
            if not isinstance(item, dict) or len(item) != 1:
                keys = f" (it has {', '.join(map(str, item))})" if isinstance(item, dict) else ""
                raise self.fail(path, f"a step is a map with one key, its kind{keys}", (i + 1, None))
            ((kind, value),) = item.items()
            if kind not in STEP_OPTIONS:
                raise self.fail(
                    path,
                    f"unknown step kind {kind!r}: known kinds are {', '.join(STEP_KINDS)}",
                    (i + 1, str(kind)),
                )
            step = self.step(i + 1, str(kind), value, (*path, kind))
            self.check_variables(step, (*path, kind), known, defined_at)
            if isinstance(step.options, Navigate) and env.kind != "browser":
                raise self.fail(path, f"navigate needs env browser, not {env.kind}", (i + 1, kind))
            name = getattr(step.options, "name", None)
            if name is not None:
                if name in known:
                    was = f"step {defined_at[name]}'s result" if name in defined_at else "a variable"
                    raise self.fail((*path, kind, "as"), f"as: {name} is already {was}", (i + 1, kind))
                known.add(name)
                defined_at[name] = i + 1
            out.append(step)
        return tuple(out)

    def step(self, index: int, kind: str, value: Any, path: Path_) -> FlowStep:
        label = (index, kind)
        options_model = STEP_OPTIONS[kind]
        if not isinstance(value, dict):
            if kind in _NO_SHORTHAND:
                raise self.fail(path, f"{kind} needs a map: {{question: ..., as: NAME}}", label)
            if value is None or isinstance(value, list):
                raise self.fail(path, f"{kind} needs a {options_model.primary} or a map of options", label)
            value = {options_model.primary: value if isinstance(value, str) else _yaml_scalar(value)}
            shorthand = True
        else:
            shorthand = False
        try:
            options: StepOptions = options_model.model_validate(value)  # type: ignore[assignment]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = path if shorthand else (*path, *first["loc"])
            raise self.fail(where, _say(first, options_model), label) from exc
        line = self.line(path[:-1])
        answer_model = None
        if isinstance(options, Query):
            try:
                answer_model = build_schema_model(options.schema_, name=f"Step{index}Answer")
            except SchemaTypeError as exc:
                raise self.fail((*path, "schema", *exc.path), f"schema: {exc}", label) from exc
        return FlowStep(index, line, kind, options, answer_model)

    def check_variables(
        self, step: FlowStep, path: Path_, known: set[str], defined_at: dict[str, int]
    ) -> None:
        label = (step.index, step.kind)
        for field, text in _texts(step.options):
            where = (*path, field)  # the shorthand's own line when there is no field line
            for ref in self.refs(text, where, label):
                if ref.secret:
                    if not (isinstance(step.options, TypeTextOptions) and field == "text"):
                        raise self.fail(
                            where,
                            f"{ref.text} may only appear in the text of a type step, not in {field}",
                            label,
                        )
                elif ref.name not in known:
                    raise self.fail(
                        where,
                        f"unknown variable {ref.name!r} in {ref.text}: give --var {ref.name}=..., "
                        "declare it under vars:, or name an earlier step's result with as:",
                        label,
                    )


def _texts(options: BaseModel) -> list[tuple[str, str]]:
    """The options' text fields in which ``${...}`` is filled in (not ``as`` nor ``schema``)."""
    out: list[tuple[str, str]] = []
    for name, info in type(options).model_fields.items():
        value = getattr(options, name)
        if isinstance(value, str) and info.alias not in ("as",):
            out.append((info.alias or name, value))
    return out


def _is_name(text: str) -> bool:
    import re

    return re.fullmatch(NAME_PATTERN, text) is not None


def _yaml_scalar(value: Any) -> str:
    # ``press: 1`` or ``vars: {count: 3}``: the text the user wrote, as near as YAML keeps it.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _say(error: ErrorDetails, model: type[BaseModel] | None = None) -> str:
    """A pydantic error as one phrase naming the field."""
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"missing field {loc!r}"
    if kind == "extra_forbidden":
        known = ""
        if model is not None and len(error["loc"]) == 1:
            known = f" (known: {', '.join(i.alias or n for n, i in model.model_fields.items())})"
        return f"unknown field {loc!r}{known}"
    message = error["msg"]
    return f"{loc}: {message}" if loc else message
