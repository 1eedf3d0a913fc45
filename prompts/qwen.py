"""The ``qwen2.5-vl`` profile: Qwen's ``computer_use`` / ``mobile_use`` function-calling tools.

The system message carries the tool schema in Qwen's function-call format (formats.md
§3.2); the tool description states the framed image's size, which is the space the
model's coordinates live in. Phones get ``mobile_use``, everything else ``computer_use``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..actions import Space
from ..actions.dialects import MIMO, QWEN_COMPUTER, QWEN_MOBILE, Decision, Dialect
from .messages import ImagePart, Message, Sampling, TextPart
from .profile import Profile, StepInput, browser_context
from .render import load_template, render

__all__ = ["QWEN_VL", "QwenProfile"]

_PARAMETERS: dict[str, dict[str, Any]] = {
    "coordinate": {"description": "(x, y): the pixel coordinate on the screen.", "type": "array"},
    "coordinate2": {"description": "(x, y): the end point, for swipe.", "type": "array"},
    "start_coordinate": {"description": "(x, y): where a drag starts.", "type": "array"},
    "keys": {"description": "Keys to press together, for key.", "type": "array"},
    "text": {"description": "Text for type, key (mobile) and open.", "type": "string"},
    "pixels": {"description": "Scroll amount: positive scrolls up, negative down.", "type": "number"},
    "time": {"description": "Seconds, for wait and long_press.", "type": "number"},
    "button": {"description": "Back, Home, Menu or Enter, for system_button.", "type": "string"},
    "status": {
        "description": "success or failure, for terminate.",
        "type": "string",
        "enum": ["success", "failure"],
    },
}
_COMPUTER_PARAMS = ("coordinate", "start_coordinate", "keys", "text", "pixels", "time", "status")
_MOBILE_PARAMS = ("coordinate", "coordinate2", "text", "time", "button", "status")


def tool_schema(dialect: Dialect, supported: frozenset[type[Any]], width: int, height: int) -> str:
    """The tool's JSON line for the system prompt, its action enum taken from the dialect."""
    mobile = dialect is QWEN_MOBILE
    name = "mobile_use" if mobile else "computer_use"
    actions = [v.name for v in dialect.verbs if not supported or any(p in supported for p in v.produces)]
    params = {"action": {"description": "The action to perform.", "enum": actions, "type": "string"}}
    params |= {p: _PARAMETERS[p] for p in (_MOBILE_PARAMS if mobile else _COMPUTER_PARAMS)}
    tool = {
        "type": "function",
        "function": {
            "name_for_human": name,
            "name": name,
            "description": render(f"qwen_{name}", width=width, height=height),
            "parameters": {"properties": params, "required": ["action"], "type": "object"},
            "args_format": "Format the arguments as a JSON object.",
        },
    }
    return json.dumps(tool, ensure_ascii=False)


@dataclass(frozen=True)
class QwenProfile(Profile):
    """Qwen2.5-VL-Instruct (3B/7B/32B/72B) with Qwen's agent tools."""

    def dialect_for(self, platform: str) -> Dialect:
        return QWEN_MOBILE if platform == "android" else QWEN_COMPUTER

    def _grounding_template(self, lang: str) -> str:
        return load_template("qwen_grounding")

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
            Message.text("system", "You are a helpful assistant."),
            Message("user", (image, TextPart(text))),
        )

    def parse_grounding(self, text: str) -> Decision:
        # Qwen2.5-VL grounds in the same bbox_2d / point_2d JSON that MiMo-VL does.
        return MIMO.parse(text, self.space)

    def step_messages(self, step: StepInput) -> tuple[Message, ...]:
        dialect = self.dialect_for(step.platform)
        width, height = step.image.size
        system = render("qwen_system", tools=tool_schema(dialect, step.supported, width, height))
        progress = "; ".join(
            f"Step {i}: {e}"
            for i, e in enumerate((dialect.encode(a) for p in step.history for a in p.actions), start=1)
            if e
        )
        extra = ""
        if step.platform == "browser" and (ctx := browser_context(step.context)):
            extra += f"\n{ctx}"
        if step.feedback:
            extra += f"\nYour last answer could not be used: {step.feedback}"
        query = render("qwen_query", task=step.task, progress=progress or "None", extra=extra)
        return (Message.text("system", system), Message("user", (TextPart(query), step.image)))


QWEN_VL = QwenProfile(
    name="qwen2.5-vl",
    space=Space.MODEL_PIXELS,
    min_pixels=4 * 28 * 28,
    max_pixels=16384 * 28 * 28,
    step_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=1024),
    ground_sampling=Sampling(temperature=0.0, top_p=1.0, max_tokens=512),
)
"""Qwen2.5-VL with the ``computer_use`` / ``mobile_use`` tools of Qwen's cookbooks."""
