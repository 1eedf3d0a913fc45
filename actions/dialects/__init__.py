"""One module per model family's answer format: its verb table and its parser."""

from .base import Decision, Dialect, Verb, find_json, split_thinking
from .calls import VERB_WORDS, Call, find_call
from .mimo import MIMO, mimo_scroll_word
from .mimo_history import mimo_history, mimo_history_entry
from .qwen import QWEN_COMPUTER, QWEN_MOBILE
from .uitars import UITARS

DIALECTS: dict[str, Dialect] = {d.name: d for d in (MIMO, QWEN_COMPUTER, QWEN_MOBILE, UITARS)}

__all__ = [
    "DIALECTS",
    "MIMO",
    "QWEN_COMPUTER",
    "QWEN_MOBILE",
    "UITARS",
    "VERB_WORDS",
    "Call",
    "Decision",
    "Dialect",
    "Verb",
    "find_call",
    "find_json",
    "mimo_history",
    "mimo_history_entry",
    "mimo_scroll_word",
    "split_thinking",
]
