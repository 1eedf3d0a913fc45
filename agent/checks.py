"""Checks and data: questions about the screen, one model call each (a retry aside).

``agent.check("the page greets alice")`` asks the model whether a statement is true of the
screen and returns its verdict and reason; `assert_that` raises `GuiAssertionError` when it
is not; `wait_until` checks again until it is, or the time is up. `ask` returns a plain
answer; `query` one validated against a pydantic model, whose JSON Schema the prompt
carries (an answer of the wrong shape goes back with pydantic's message). Each check is
one step of the session; nothing is executed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from ..actions import ConfigError
from ..actions.errors import GuiAssertionError, MimoGuiError, ParseError, QueryError, WaitTimeout
from ..prompts.questions import ask_format, check_format, check_question, query_format
from .backends.base import Completion
from .calls import CallCore
from .records import StepRecord
from .replies import Check, read_check, read_query, read_reply, read_text

__all__ = ["Check", "Checks"]

M = TypeVar("M", bound=BaseModel)


def _answer_again(answer_format: str) -> Callable[[MimoGuiError], str]:
    def feedback(error: MimoGuiError) -> str:
        message = error.args[0] if isinstance(error, ParseError) else str(error)
        return f"{message}. Your answer could not be used. {answer_format}"

    return feedback


class Checks(CallCore):
    """`check`, `assert_that`, `wait_until`, `ask`, `query`."""

    def check(self, statement: str) -> Check:
        """Whether ``statement`` is true of the screen now, and the model's reason.

        Raises:
            ParseError: the answer gave no verdict, after one retry (the raw answer is in it).
        """
        return self._check(statement)[0]

    def assert_that(self, statement: str) -> Check:
        """`check`, raising when the statement is false.

        Raises:
            GuiAssertionError: with the model's reason and the screenshot it judged.
        """
        verdict, rec = self._check(statement)
        if not verdict.passed:
            error = GuiAssertionError(
                statement, verdict.reason, self._session.screenshot_path(rec.screenshot)
            )
            self._session.last_error = error
            raise error
        return verdict

    def wait_until(self, statement: str, *, timeout: float = 10.0, interval: float = 0.5) -> Check:
        """Check ``statement`` every ``interval`` seconds until it is true; that check.

        The first check is made at once and one is made as the time runs out, so a page that
        changes within ``timeout`` is seen. Each check is a step.

        Raises:
            WaitTimeout: still false after ``timeout`` seconds (the last reason is in it).
            ConfigError: a negative timeout, or an interval that is not positive.
        """
        if timeout < 0 or interval <= 0:
            raise ConfigError(f"wait_until needs timeout >= 0 and interval > 0, got {timeout} and {interval}")
        deadline = time.monotonic() + timeout
        checks = 0
        while True:
            verdict, _ = self._check(statement)
            checks += 1
            if verdict.passed:
                return verdict
            left = deadline - time.monotonic()
            if left <= 0:
                error = WaitTimeout(statement, timeout=timeout, reason=verdict.reason, checks=checks)
                self._session.last_error = error
                raise error
            time.sleep(min(interval, left))

    def ask(self, question: str) -> str:
        """The model's answer to ``question`` about the screen, as text.

        Raises:
            ParseError: the answer was empty, after one retry.
        """
        with self._step("ask", question) as call:
            self._look(call)
            _, _, image = call.look
            form = ask_format()
            messages = self.profile.question_messages(image, question, think=self.think, answer_format=form)
            answer, thought = self._ask(
                call, messages, lambda c: read_reply(c, read_text), feedback=_answer_again(form)
            )
            call.rec.thought, call.rec.output = thought, answer
            return answer

    def query(self, question: str, *, schema: type[M], retries: int = 1) -> M:
        """The model's answer to ``question``, validated as ``schema``.

        The prompt carries ``schema``'s JSON Schema; an answer that does not fit goes back to
        the model with pydantic's message, ``retries`` times.

        Raises:
            QueryError: no answer fitted (the last raw answer and validation error are in it).
            ConfigError: ``retries`` is negative.
        """
        if retries < 0:
            raise ConfigError(f"retries must be 0 or more, got {retries}")
        with self._step("query", question) as call:
            self._look(call)
            _, _, image = call.look
            form = query_format(schema.model_json_schema())
            messages = self.profile.question_messages(image, question, think=self.think, answer_format=form)

            def read(completion: Completion) -> tuple[M, str | None]:
                return read_reply(completion, lambda text: read_query(text, schema))

            def feedback(error: MimoGuiError) -> str:
                why = error.validation_error if isinstance(error, QueryError) else str(error)
                return f"Your answer did not fit the schema: {why}. {form}"

            value, thought = self._ask(call, messages, read, feedback=feedback, retries=retries)
            call.rec.thought, call.rec.output = thought, value.model_dump(mode="json")
            return value

    def _check(self, statement: str) -> tuple[Check, StepRecord]:
        with self._step("check", statement) as call:
            self._look(call)
            _, _, image = call.look
            form = check_format()
            messages = self.profile.question_messages(
                image, check_question(statement), think=self.think, answer_format=form
            )
            verdict, thought = self._ask(
                call, messages, lambda c: read_reply(c, read_check), feedback=_answer_again(form)
            )
            call.rec.thought, call.rec.output = thought, {"passed": verdict.passed, "reason": verdict.reason}
            return verdict, call.rec
