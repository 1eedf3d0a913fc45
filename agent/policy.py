"""The safety policy: ``allow``, ``ask`` or ``deny`` for each action, decided before it runs.

    default: allow
    allow_hosts: ["127.0.0.1:8000", "*.example.com"]
    rules:
      - {decision: ask,  action: click, target: "(?i)\\b(pay|buy|delete|send)\\b"}
      - {decision: deny, action: type,  text: "\\b(?:\\d[ -]?){13,16}\\b"}
      - {decision: deny, app: "com.android.settings"}

``allow_hosts`` is checked first: a `Navigate` to a URL it does not allow is denied (the
browser's own guard, `BrowserEnv(allow_hosts=...)`, catches navigations that links and
scripts cause; the policy judges only the actions it is shown). Then the first rule whose
every given field matches decides; ``default`` decides the rest. Patterns are regular
expressions applied with ``search``. A rule's field matches:

- ``action``: the action's type, written loosely (``click``, ``Click``, ``long-press``,
  ``LongPress``), or a list of them.
- ``target``: any of what the env says lies under the action's point (`Env.describe`: in the
  browser, the element's accessible name or text), the model's thought, the instruction.
- ``text``: the typed text (`Type`, a dialog's prompt answer). A secret is matched on its
  revealed value as well as on its placeholder, so a card number kept in a secret is still
  caught; the value is only matched, never recorded (records name the rule, not the text).
- ``url`` / ``host``: the `Navigate` target for a navigation, else the page's URL.
- ``app`` (Android's foreground package), ``title`` (the window or page title).
- ``region``: ``[x1, y1, x2, y2]`` in screen units, holding the action's point.

A field whose subject is absent (no URL on a desktop, no point for a key press) does not
match. Terminal actions (Finish, Fail, CallUser) are never judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ..actions import Action, AnswerDialog, Navigate, Type, action_point
from ..actions.errors import ConfigError
from ..env_adapters.hosts import HostPatterns
from .records import PolicyDecision

__all__ = ["Policy", "PolicyContext", "Rule", "Verdict", "load_policy"]

_PATTERN_FIELDS = ("target", "text", "url", "host", "app", "title")


def _loose(name: str) -> str:
    """``LongPress``, ``long_press``, ``long-press`` and ``long press`` all read ``longpress``."""
    return re.sub(r"[\s_-]", "", name).lower()


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What a decision looks at besides the action (see the module's doc)."""

    url: str | None = None
    title: str | None = None
    app: str | None = None
    described: str | None = None
    """`Env.describe` at the action's point."""
    thought: str | None = None
    instruction: str | None = None
    typed: str | None = None
    """The text as it will be typed (a secret revealed); matched, never recorded."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A decision and the rule that made it (``rules[0]``, ``allow_hosts``, ``default``)."""

    decision: PolicyDecision
    rule: str
    rule_text: str | None = None


class Rule(BaseModel):
    """One rule: a decision and the fields that must all match for it to decide."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: PolicyDecision
    name: str | None = None
    """How messages name the rule (default ``rules[i]``)."""
    action: str | list[str] | None = None
    target: str | None = None
    text: str | None = None
    url: str | None = None
    host: str | None = None
    app: str | None = None
    title: str | None = None
    region: tuple[float, float, float, float] | None = None

    def summary(self) -> str:
        """The rule as written, in one line (for records and prompts)."""
        parts = [f"{k}: {v!r}" for k, v in self.model_dump(exclude_none=True).items() if k != "name"]
        return "{" + ", ".join(parts) + "}"


class Policy(BaseModel):
    """``default``, ``allow_hosts`` and ``rules`` (the YAML's shape); `decide` judges one action.

    Raises (on construction):
        ConfigError: a pattern that is not a regular expression (the message names the rule
            and field), an unknown action name, or a bad ``allow_hosts`` entry.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: PolicyDecision = "allow"
    allow_hosts: list[str] | None = None
    rules: list[Rule] = Field(default_factory=list)

    _hosts: HostPatterns | None = PrivateAttr(default=None)
    _compiled: list[dict[str, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _actions: list[frozenset[str] | None] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        from ..actions import ACTION_TYPES

        known = {_loose(t.__name__): t.model_fields["type"].default for t in ACTION_TYPES}
        known.update({_loose(str(v)): v for v in known.values()})
        self._hosts = HostPatterns.parse(self.allow_hosts) if self.allow_hosts is not None else None
        for i, rule in enumerate(self.rules):
            label = rule.name or f"rules[{i}]"
            compiled: dict[str, re.Pattern[str]] = {}
            for name in _PATTERN_FIELDS:
                pattern = getattr(rule, name)
                if pattern is None:
                    continue
                try:
                    compiled[name] = re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(
                        f"policy {label}: {name} {pattern!r} is not a regular expression: {exc}"
                    ) from None
            self._compiled.append(compiled)
            if rule.action is None:
                self._actions.append(None)
                continue
            names = [rule.action] if isinstance(rule.action, str) else rule.action
            types = set()
            for written in names:
                if _loose(written) not in known:
                    raise ConfigError(
                        f"policy {label}: action {written!r} is not an action type "
                        f"(one of {', '.join(sorted(set(map(str, known.values()))))})"
                    )
                types.add(str(known[_loose(written)]))
            self._actions.append(frozenset(types))

    @property
    def hosts(self) -> HostPatterns | None:
        """``allow_hosts`` parsed (None: any host), for the browser's navigation guard."""
        return self._hosts

    @property
    def uses_target(self) -> bool:
        """Whether a rule looks at the target (so `Env.describe` is worth asking)."""
        return any("target" in c for c in self._compiled)

    def settings(self) -> dict[str, Any]:
        """The policy as written, for ``run.json``."""
        return self.model_dump(exclude_none=True)

    def decide(self, action: Action, context: PolicyContext | None = None) -> Verdict:
        """Who decides ``action``: ``allow_hosts`` (a `Navigate` off the list), the first
        matching rule, or ``default``."""
        ctx = context or PolicyContext()
        if self._hosts is not None and isinstance(action, Navigate) and not self._hosts.allows(action.url):
            return Verdict("deny", "allow_hosts", f"allow_hosts: [{self._hosts}]")
        for i, rule in enumerate(self.rules):
            if self._matches(i, rule, action, ctx):
                return Verdict(rule.decision, rule.name or f"rules[{i}]", rule.summary())
        return Verdict(self.default, "default", f"default: {self.default}")

    def _matches(self, i: int, rule: Rule, action: Action, ctx: PolicyContext) -> bool:
        kinds = self._actions[i]
        if kinds is not None and str(action.type) not in kinds:
            return False
        if rule.region is not None:
            point = action_point(action)
            x1, y1, x2, y2 = rule.region
            if point is None or not (x1 <= point.x <= x2 and y1 <= point.y <= y2):
                return False
        url = action.url if isinstance(action, Navigate) else ctx.url
        subjects: dict[str, list[str | None]] = {
            "target": [ctx.described, ctx.thought, ctx.instruction],
            "text": [_typed(action), ctx.typed],
            "url": [url],
            "host": [_host(url)],
            "app": [ctx.app],
            "title": [ctx.title],
        }
        for name, pattern in self._compiled[i].items():
            if not any(s is not None and pattern.search(s) for s in subjects[name]):
                return False
        return True


def _typed(action: Action) -> str | None:
    if isinstance(action, Type):
        return action.text
    if isinstance(action, AnswerDialog):
        return action.text
    return None


def _host(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def load_policy(path: Path | str) -> Policy:
    """Read a policy YAML file (see the module's doc).

    Raises:
        ConfigError: the file is missing, not YAML, or wrong; one line naming the file, the
            line and what is wrong.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"policy file {path}: cannot read it: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"policy file {path}{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"policy file {path}: expected a mapping with default, allow_hosts and rules")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = _line_of(root, loc)
        field = ".".join(str(p) for p in loc) or "policy"
        raise ConfigError(f"policy file {path} line {line}: {field}: {error['msg']}") from None
    except ConfigError as exc:
        match = re.search(r"rules\[(\d+)\]", str(exc))
        line = _line_of(root, ("rules", int(match.group(1)))) if match else _line_of(root, ("allow_hosts",))
        raise ConfigError(f"policy file {path} line {line}: {exc}") from None


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest parent that exists)."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                child = next((k for k, _ in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line
