"""Prompt templates, message builders and model profiles."""

from .messages import ImagePart, Message, Part, Role, Sampling, TextPart
from .mimo import MIMO_VL, MimoProfile
from .profile import NO_THINK_MAX_TOKENS, THINK_MIN_MAX_TOKENS, PastStep, Profile, StepInput
from .profiles import DEFAULT_PROFILE, PROFILES, get_profile
from .qwen import QWEN_VL, QwenProfile
from .render import load_template, render, render_text
from .uitars import UITARS_15, UITarsProfile

__all__ = [
    "DEFAULT_PROFILE",
    "MIMO_VL",
    "NO_THINK_MAX_TOKENS",
    "PROFILES",
    "QWEN_VL",
    "THINK_MIN_MAX_TOKENS",
    "UITARS_15",
    "ImagePart",
    "Message",
    "MimoProfile",
    "Part",
    "PastStep",
    "Profile",
    "QwenProfile",
    "Role",
    "Sampling",
    "StepInput",
    "TextPart",
    "UITarsProfile",
    "get_profile",
    "load_template",
    "render",
    "render_text",
]
