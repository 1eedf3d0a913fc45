"""The ``mimo-vl`` profile (the default): Xiaomi's own prompts and vocabulary for MiMo-VL-7B.

Grounding uses Xiaomi's eval prompt and system message exactly (formats.md §2.3); agent
steps use the 2508 agent prompt (§2.4) with no system message, so the chat template's own
applies. The image comes before the text; with thinking off, ``" /no_think"`` is the last
text item, after the image, as the model card requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Space
from ..actions.dialects import MIMO, Decision, Dialect, mimo_history
from .messages import ImagePart, Message, Part, Sampling, TextPart
from .profile import THINK_MIN_MAX_TOKENS, Profile, StepInput, browser_context
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

    def _grounding_template(self, lang: str) -> str:
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
        # Xiaomi's trained form: Step 0: {...}.Step 1: {...}. (see mimo_history)
        width, height = step.image.size
        previous = mimo_history((a for past in step.history for a in past.actions), width, height)
        extra = ""
        if step.platform == "browser" and (ctx := browser_context(step.context)):
            extra += f"## Browser\n{ctx}\n\n"
        if step.feedback:
            extra += f"## Problem with your last answer\n{step.feedback}\n\n"
        text = render(
            "mimo_agent",
            action_space="\n".join(MIMO.action_space(step.supported or None)),
            goal=step.task,
            previous_actions=previous,
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
    # Thinking is on by default: caps as large as Xiaomi's evals give a thought (16,384, the
    # MiMo-Embodied mivllm.py cap; mimo_agent.py allows 32,768). Thinking off lowers them to 512.
    step_sampling=Sampling(temperature=0.3, top_p=0.95, max_tokens=THINK_MIN_MAX_TOKENS),
    ground_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=THINK_MIN_MAX_TOKENS),
    history_images=1,
    think_default=True,
    languages=frozenset({"en", "cn"}),
)
"""MiMo-VL-7B-RL-2508 and its siblings: the default profile."""
