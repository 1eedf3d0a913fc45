"""`Profile`: everything that differs between model families, in one object.

A profile ties a family's prompt templates, its dialect (the verb table the prompt's
action list and the parser are both built from), its coordinate space, its image budget,
its framing mode and its sampling defaults. The loop and the grounding command ask the
profile for messages and hand it the answer to parse; they never know the family.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..actions import Action, ConfigError, Frame, FrameMode, Resolution, Space
from ..actions.dialects import Decision, Dialect
from ..actions.screen import ScreenContext
from .messages import ImagePart, Message, Part, Sampling, TextPart
from .render import render, render_text

__all__ = [
    "NO_THINK_MAX_TOKENS",
    "THINK_MIN_MAX_TOKENS",
    "PastStep",
    "Profile",
    "StepInput",
    "browser_context",
]

THINK_MIN_MAX_TOKENS = 16384
"""The least token cap a thinking profile defaults to: what Xiaomi's evals allow a thought.
XiaomiMiMo/MiMo-Embodied ``lmms_eval/models/mivllm.py`` caps ``max_new_tokens`` at 16384;
XiaomiMiMo/lmms-eval ``lmms_eval/models/mimo_agent.py`` defaults it to 32768."""

NO_THINK_MAX_TOKENS = 512
"""The cap with thinking off."""


def browser_context(screen: ScreenContext) -> str:
    """The browser's state as prompt lines: URL, open tabs, a dialog waiting for an answer."""
    lines: list[str] = []
    if screen.url:
        lines.append(f"URL: {screen.url}")
    if len(screen.tabs) > 1:
        lines.append("Open tabs:")
        lines += [
            f"  {t.index}: {t.title or '(untitled)'} ({t.url}){' [active]' if t.active else ''}"
            for t in screen.tabs
        ]
    if screen.dialog:
        lines.append(
            f'A {screen.dialog.kind} dialog is open saying: "{screen.dialog.message}". '
            "Answer it with answer_dialog before anything else."
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PastStep:
    """One earlier step, as the history in the next prompt needs it."""

    actions: tuple[Action, ...]
    """What the model answered, in the model's space (empty when its answer failed)."""
    raw: str
    """The model's answer as received."""
    image: ImagePart | None = None
    """The framed screenshot that step answered."""


@dataclass(frozen=True, slots=True)
class StepInput:
    """What a profile needs to write one agent step's messages."""

    task: str
    image: ImagePart
    """The current screenshot, already framed."""
    history: Sequence[PastStep] = ()
    supported: frozenset[type[Any]] = frozenset()
    """The env's action classes: the prompt lists only verbs that produce one of them."""
    platform: str = "browser"
    context: ScreenContext = field(default_factory=ScreenContext)
    """What is in front besides the pixels (url, title, tabs, dialog)."""
    feedback: str | None = None
    """What went wrong with the model's previous answer, to be fixed now."""
    think: bool | None = None
    """Reasoning on (True), off (False) or the profile's default (None)."""


@dataclass(frozen=True)
class Profile(ABC):
    """A model family's prompts, dialect, coordinate space, image budget and defaults.

    Attributes:
        name: what users pass as ``--profile``.
        space: the space the model answers in.
        min_pixels, max_pixels: the image budget the screenshot is framed to.
        frame_mode: ``resize`` (smart_resize, the processor's own rule) or ``pad``.
        history_images: how many screenshots a step request carries (the current one included).
        step_sampling, ground_sampling: sampling defaults for agent steps and for grounding.
        think_default: whether reasoning is on by default; None for families without a switch.
        languages: the prompt languages the profile has its own grounding prompt in
            (``en``, ``cn``); asking for another is a `ConfigError`, never a silent English prompt.
    """

    name: str
    space: Space
    min_pixels: int
    max_pixels: int
    step_sampling: Sampling
    ground_sampling: Sampling
    frame_mode: FrameMode = "resize"
    history_images: int = 1
    think_default: bool | None = None
    languages: frozenset[str] = frozenset({"en"})

    # -- framing ------------------------------------------------------------------

    def frame(
        self,
        image_size: tuple[int, int],
        *,
        scale: float = 1.0,
        origin: tuple[float, float] = (0.0, 0.0),
        mode: FrameMode | None = None,
        resolution: Resolution = "physical",
    ) -> Frame:
        """The `Frame` for a screenshot of ``image_size`` physical pixels under this profile's
        budget, applied to its physical or its logical size (`Resolution`)."""
        return Frame.fit(
            image_size[0],
            image_size[1],
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
            mode=mode or self.frame_mode,
            scale=scale,
            origin=origin,
            resolution=resolution,
        )

    def thinking(self, think: bool | None) -> bool | None:
        """The effective think mode: the caller's choice, else the default (None: no switch)."""
        if self.think_default is None:
            return None
        return self.think_default if think is None else think

    # -- what each family writes ----------------------------------------------------

    @abstractmethod
    def dialect_for(self, platform: str) -> Dialect:
        """The dialect agent steps use on this platform."""

    def require_language(self, lang: str) -> None:
        """Refuse a prompt language this profile has no prompt in.

        Raises:
            ConfigError: naming the profile and the languages it has.
        """
        if lang not in self.languages:
            have = ", ".join(sorted(self.languages))
            raise ConfigError(
                f"profile {self.name!r} has no {lang!r} prompt (its prompt languages: {have}); "
                "pick another profile (mimo-vl has en and cn), "
                "or give an eval your own prompt with --prompt-file"
            )

    def grounding_template(self, lang: str = "en") -> str:
        """The profile's own grounding prompt text for ``lang``, with an ``$instruction`` placeholder.

        Raises:
            ConfigError: the profile has no prompt in ``lang`` (see `languages`).
        """
        self.require_language(lang)
        return self._grounding_template(lang)

    @abstractmethod
    def _grounding_template(self, lang: str) -> str:
        """The grounding prompt for ``lang``, one of `languages`."""

    def grounding_text(self, instruction: str, *, lang: str = "en", template: str | None = None) -> str:
        """The prompt for ``instruction``: ``template`` (a ``--prompt-file``), else the profile's own."""
        return render_text(template or self.grounding_template(lang), "grounding", instruction=instruction)

    @abstractmethod
    def grounding_messages(
        self,
        instruction: str,
        image: ImagePart,
        *,
        think: bool | None = None,
        lang: str = "en",
        template: str | None = None,
    ) -> tuple[Message, ...]:
        """Messages asking where ``instruction``'s target is in ``image``.

        ``template``: a prompt text with a ``$instruction`` placeholder, used instead of the
        profile's own (``--prompt-file``); the rest of the message layout stays the profile's.
        """

    def _tail(self, think: bool | None) -> tuple[Part, ...]:
        """What follows the text of a user turn (MiMo: ``" /no_think"`` with thinking off)."""
        return ()

    def question_messages(
        self, image: ImagePart, text: str, *, think: bool | None = None, answer_format: str = ""
    ) -> tuple[Message, ...]:
        """Messages asking ``text`` about ``image``: a check, a question or a query.

        The image comes first, then the question and ``answer_format`` (how to answer), then
        the family's tail (MiMo's ``/no_think`` when thinking is off). No system message: the
        chat template's own applies, as for agent steps.
        """
        prompt = render("question", question=text, answer_format=answer_format).rstrip()
        return (Message("user", (image, TextPart(prompt), *self._tail(think))),)

    def feedback_message(self, text: str, *, think: bool | None = None) -> Message:
        """A user turn telling the model what was wrong with its last answer (a retry's)."""
        return Message("user", (TextPart(text), *self._tail(think)))

    @abstractmethod
    def step_messages(self, step: StepInput) -> tuple[Message, ...]:
        """Messages asking for the next action."""

    @abstractmethod
    def parse_grounding(self, text: str) -> Decision:
        """Read a grounding answer (its first action holds the point)."""

    def parse_step(self, text: str, platform: str) -> Decision:
        """Read an agent-step answer; points come back in this profile's space."""
        return self.dialect_for(platform).parse(text, self.space)

    def sampling(self, kind: str, think: bool | None, **overrides: Any) -> Sampling:
        """The sampling for ``kind`` (``step`` or ``ground``) under the think mode, with overrides."""
        base = self.step_sampling if kind == "step" else self.ground_sampling
        if self.thinking(think) is False:
            # Without a thought an answer is one short action or box.
            base = base.model_copy(update={"max_tokens": min(base.max_tokens, NO_THINK_MAX_TOKENS)})
        given = {k: v for k, v in overrides.items() if v is not None}
        return base.model_copy(update=given) if given else base

    def settings(self) -> dict[str, Any]:
        """The profile's settings for records."""
        return {
            "profile": self.name,
            "space": self.space.value,
            "min_pixels": self.min_pixels,
            "max_pixels": self.max_pixels,
            "frame_mode": self.frame_mode,
            "history_images": self.history_images,
        }
