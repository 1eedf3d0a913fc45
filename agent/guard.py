"""The one guarded path every action takes to the screen, in a run and in a script's call.

    policy decides → ``ask``: the confirmation callback → dry run? → secrets revealed → env.execute

A ``deny``, or an ``ask`` nobody confirmed (no callback: fail closed), raises `ActionDenied`
before anything reaches the env; the step's ``policy`` list records every decision with
its outcome. A dry run records an allowed action as ``dry_run`` and executes nothing. A
``${secret:NAME}`` in a `Type`'s text (a script's `SecretText`, or the placeholder a model
typed) is revealed here, at the last moment: the value goes to the env alone, and an env
error that names it is raised again with ``***`` in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..actions import Action, Navigate, Type, action_point
from ..actions.errors import ActionDenied, EnvError
from ..env_adapters.base import ActionResult, Env, Observation
from .policy import Policy, PolicyContext, Verdict
from .records import PolicyRecord
from .secrets import SECRET_PATTERN, SecretText

__all__ = ["Confirm", "ConfirmRequest", "Guard"]


@dataclass(frozen=True, slots=True)
class ConfirmRequest:
    """What an ``ask`` asks about: the action (as recorded: secrets as placeholders), its
    target's text where the env could tell, and the rule that asked."""

    action: Action
    target: str | None
    rule: str
    rule_text: str | None

    @property
    def question(self) -> str:
        """``allow click on "Buy now" (rule rules[0])?``"""
        return f"allow {_what(self.action, self.target)} (rule {self.rule})?"


Confirm = Callable[[ConfirmRequest], bool]


@dataclass(frozen=True, slots=True)
class Guard:
    """The policy, the confirmation callback and the dry-run switch of one agent."""

    policy: Policy | None = None
    confirm: Confirm | None = None
    dry_run: bool = False

    def execute(
        self,
        env: Env,
        action: Action,
        records: list[PolicyRecord],
        *,
        obs: Observation | None = None,
        shown: Action | None = None,
        secret: str | None = None,
        thought: str | None = None,
        instruction: str | None = None,
        perform: Callable[[], ActionResult] | None = None,
    ) -> str:
        """Judge ``action`` and, when allowed, execute it; the env's detail (secrets as ``***``).

        ``shown``: the action as recorded (default ``action``); ``secret``: a value already
        revealed inside ``action``; ``perform``: what does the action instead of ``env.execute``.

        Raises:
            ActionDenied: the policy refused it (recorded in ``records`` first).
            ConfigError: a secret's variable is not set.
            EnvError: the env failed (a secret's value replaced by ``***``).
        """
        recorded = shown if shown is not None else action
        if isinstance(action, Type) and SECRET_PATTERN.search(action.text):  # a placeholder the model typed
            secret = SecretText(action.text).reveal() or None
            action = Type(text=secret or "", keystrokes=action.keystrokes)
        verdict = self._verdict(
            env, action=action, recorded=recorded, obs=obs, thought=thought, instruction=instruction
        )
        if verdict is not None:
            confirmed = None
            if verdict.decision == "ask":
                target = _described(env, action) if self.confirm is not None else None
                request = ConfirmRequest(recorded, target, verdict.rule, verdict.rule_text)
                confirmed = bool(self.confirm(request)) if self.confirm is not None else False
            if verdict.decision == "deny" or confirmed is False:
                records.append(_record(recorded, verdict, confirmed, "denied"))
                message = _denial(recorded, verdict, confirmed)
                raise ActionDenied(message, action=recorded, rule=verdict.rule, decision=verdict.decision)
            records.append(_record(recorded, verdict, confirmed, "dry_run" if self.dry_run else "executed"))
        if self.dry_run:
            return f"dry run: {type(recorded).__name__} not executed"
        try:
            detail = (perform() if perform is not None else env.execute(action)).detail
        except EnvError as exc:
            if secret and _names(exc, secret):
                raise type(exc)(str(exc).replace(secret, "***"), action=recorded) from None
            exc.action = recorded
            raise
        return detail.replace(secret, "***") if secret else detail

    def _verdict(
        self,
        env: Env,
        *,
        action: Action,
        recorded: Action,
        obs: Observation | None,
        thought: str | None,
        instruction: str | None,
    ) -> Verdict | None:
        if self.policy is None:
            return None
        typed = action.text if isinstance(action, Type) else None
        context = PolicyContext(
            url=obs.url if obs is not None else None,
            title=obs.title if obs is not None else None,
            app=obs.app if obs is not None else None,
            described=_described(env, action) if self.policy.uses_target else None,
            thought=thought,
            instruction=instruction,
            typed=typed,
        )
        return self.policy.decide(recorded, context)


def _described(env: Env, action: Action) -> str | None:
    point = action_point(action)
    return env.describe(point) if point is not None else None


def _record(action: Action, verdict: Verdict, confirmed: bool | None, outcome: str) -> PolicyRecord:
    return PolicyRecord.model_validate(
        {
            "action": action,
            "decision": verdict.decision,
            "rule": verdict.rule,
            "rule_text": verdict.rule_text,
            "confirmed": confirmed,
            "outcome": outcome,
        }
    )


def _what(action: Action, target: str | None) -> str:
    """``click on "Buy now"``, ``navigate to https://…``, ``type`` (never the typed text)."""
    name = str(action.type)
    if isinstance(action, Navigate):
        return f"{name} to {action.url}"
    return f'{name} on "{target}"' if target else name


def _denial(action: Action, verdict: Verdict, confirmed: bool | None) -> str:
    why = "went unconfirmed under" if verdict.decision == "ask" else "is denied by"
    return f"the safety policy refused {_what(action, None)}: it {why} {verdict.rule} ({verdict.rule_text})"


def _names(exc: BaseException, secret: str) -> bool:
    """Whether ``exc`` or anything chained to it mentions ``secret``."""
    seen: BaseException | None = exc
    while seen is not None:
        if secret in str(seen) or secret in repr(getattr(seen, "action", None)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
