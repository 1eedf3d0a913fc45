"""The ``ui-tars-1.5`` profile: ByteDance's published UI-TARS-1.5 prompts (formats.md §4.2).

The first user turn holds the prompt; each earlier step follows as a user turn with its
screenshot (the last few only) and an assistant turn with the model's own answer, then
the current screenshot: the multi-turn shape UI-TARS was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Back, Home, LongPress, OpenApp, Space
from ..actions.dialects import UITARS, Decision, Dialect
from .messages import ImagePart, Message, Sampling, TextPart
from .profile import Profile, StepInput, browser_context
from .render import load_template, render

__all__ = ["UITARS_15", "UITarsProfile"]

_MOBILE_ONLY = frozenset({LongPress, OpenApp, Home})


@dataclass(frozen=True)
class UITarsProfile(Profile):
    """UI-TARS-1.5-7B."""

    language: str = "English"

    def dialect_for(self, platform: str) -> Dialect:
        return UITARS

    def _grounding_template(self, lang: str) -> str:
        return load_template("uitars_grounding")

    def grounding_messages(
        self,
        instruction: str,
        image: ImagePart,
        *,
        think: bool | None = None,
        lang: str = "en",
        template: str | None = None,
    ) -> tuple[Message, ...]:
        text = self.grounding_text(instruction, lang=lang, template=template)
        return (Message("user", (TextPart(text), image)),)

    def parse_grounding(self, text: str) -> Decision:
        return UITARS.parse(text, self.space)

    def step_messages(self, step: StepInput) -> tuple[Message, ...]:
        supported = step.supported
        if step.platform != "android":
            supported = frozenset(supported - _MOBILE_ONLY) | ({Back} & supported)
        extra = ""
        if step.platform == "browser" and (ctx := browser_context(step.context)):
            extra += f"- Browser state:\n{ctx}\n"
        if step.feedback:
            extra += f"- Your last answer could not be used: {step.feedback}\n"
        prompt = render(
            "uitars_agent",
            action_space="\n".join(UITARS.action_space(supported or None)),
            language=self.language,
            extra=extra,
            task=step.task,
        )
        messages: list[Message] = [Message.text("user", prompt)]
        keep_images = max(0, self.history_images - 1)
        for i, past in enumerate(step.history):
            if past.image is not None and i >= len(step.history) - keep_images:
                messages.append(Message("user", (past.image,)))
            messages.append(Message.text("assistant", past.raw))
        messages.append(Message("user", (step.image,)))
        return tuple(messages)


UITARS_15 = UITarsProfile(
    name="ui-tars-1.5",
    space=Space.MODEL_PIXELS,
    min_pixels=100 * 28 * 28,
    max_pixels=16384 * 28 * 28,
    step_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=1024),
    ground_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=256),
    history_images=5,
)
"""UI-TARS-1.5-7B with its computer/mobile prompts and last-5-screenshots history."""
