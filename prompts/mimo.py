"""The ``mimo-vl`` profile (the default): Xiaomi's own prompts and vocabulary for MiMo-VL-7B.

Grounding uses Xiaomi's eval prompt and system message exactly (formats.md §2.3); agent
steps use the 2508 agent prompt (§2.4) with no system message, so the chat template's own
applies. The image comes before the text; with thinking off, ``" /no_think"`` is the last
text item, after the image, as the model card requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Space
from ..actions.dialects import MIMO, Decision, Dialect
from .messages import ImagePart, Message, Part, Sampling, TextPart
from .profile import Profile, StepInput, browser_context
from .render import load_template, render

__all__ = ["MIMO_VL", "MimoProfile"]

NO_THINK = " /no_think"
GROUNDING_SYSTEM = "You are a helpful assistant."


@dataclass(frozen=True)
class MimoProfile(Profile):
    """MiMo-VL-7B (RL/SFT, 2506 and 2508)."""

    def dialect_for(self, platform: str) -> Dialect:
        return MIMO

    def _tail(self, think: bool | None) -> tuple[Part, ...]:
        return (TextPart(NO_THINK),) if self.thinking(think) is False else ()

    def grounding_template(self, lang: str = "en") -> str:
        return load_template("mimo_grounding_cn" if lang == "cn" else "mimo_grounding_en")

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
        return (
            Message.text("system", GROUNDING_SYSTEM),
            Message("user", (image, TextPart(text), *self._tail(think))),
        )

    def parse_grounding(self, text: str) -> Decision:
        return MIMO.parse(text, self.space)

    def step_messages(self, step: StepInput) -> tuple[Message, ...]:
        encoded = [MIMO.encode(a) for past in step.history for a in past.actions]
        previous = "".join(f"Step {i}: {e}." for i, e in enumerate((e for e in encoded if e), start=1))
        extra = ""
        if step.platform == "browser" and (ctx := browser_context(step.context)):
            extra += f"## Browser\n{ctx}\n\n"
        if step.feedback:
            extra += f"## Problem with your last answer\n{step.feedback}\n\n"
        text = render(
            "mimo_agent",
            action_space="\n".join(MIMO.action_space(step.supported or None)),
            goal=step.task,
            previous_actions=previous or "None",
            extra=extra,
        )
        earlier = (
            [p.image for p in step.history[-(self.history_images - 1) :] if p.image]
            if self.history_images > 1
            else []
        )
        return (Message("user", (*earlier, step.image, TextPart(text), *self._tail(step.think))),)


MIMO_VL = MimoProfile(
    name="mimo-vl",
    space=Space.MODEL_PIXELS,
    min_pixels=4 * 28 * 28,
    max_pixels=4096 * 28 * 28,
    step_sampling=Sampling(temperature=0.3, top_p=0.95, max_tokens=4096),
    ground_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=4096),
    history_images=1,
    think_default=True,
)
"""MiMo-VL-7B-RL-2508 and its siblings: the default profile."""
