"""Issue 15 ("Trust"), faults: ``mimo-gui run`` against a model server that fails, in a real
subprocess, on a real local page, with a real HTTP server (tests/support/chat_server.py).

Each fault comes on the run's second model call, after one good step. Once, the run
recovers (the retry, or for an empty answer the loop's re-ask, gets the good answer) and
finishes; always, it ends with one line naming what happened, and the trajectory keeps the
good step and records the error in ``run.json``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.agent.recorder import load_run
from tests.cli.cli_support import CHROMIUM, mimo_gui
from tests.support.chat_server import Reply, serve_chat
from tests.support.static_server import serve_folder

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
    pytest.mark.timeout(120),
]

CLICK = '{"action": "click", "start_point": [20, 20]}'
FINISHED = '{"action": "finished", "status": "success"}'

# What each fault sends, and the words the one-line error must hold when it never ends.
# The body cut short is a real vLLM chat completion's opening (its JSON shape as the
# server in tests/support builds it, from vllm's ChatCompletionResponse).
FAULTS: dict[str, tuple[Callable[[], Reply], str, int]] = {
    "500": (lambda: Reply(status=500, text="engine crashed"), "answered 500 after 5 attempts", 2),
    "429": (
        lambda: Reply(status=429, text="slow down", headers={"Retry-After": "1"}),
        "answered 429 after 5 attempts",
        2,
    ),
    "hang": (lambda: Reply(text=FINISHED, delay=30), "did not answer within 1 s (3 attempts)", 2),
    "stall": (lambda: Reply(text=FINISHED, stall=30), "did not answer within 1 s (3 attempts)", 2),
    "trickle": (lambda: Reply(text=FINISHED, trickle=0.2), "did not answer within 1 s (3 attempts)", 2),
    "malformed": (
        lambda: Reply(body='{"id": "chatcmpl-1", "object": "chat.completion", "choi'),
        "answered 200 with malformed JSON after 5 attempts",
        2,
    ),
    "dropped": (lambda: Reply(drop=True), "(5 attempts)", 2),
}


def faulty(
    fault: Callable[[], Reply], times: int
) -> tuple[Callable[[dict[str, Any], list[Any]], str | Reply], list[int]]:
    """A responder: a good click, then ``times`` faults (a large number: always), then finished."""
    calls: list[int] = []
    lock = threading.Lock()

    def respond(body: dict[str, Any], images: list[Any]) -> str | Reply:
        with lock:
            calls.append(1)
            n = len(calls)
        if n == 1:
            return CLICK
        if n - 1 <= times:
            return fault()
        return FINISHED

    return respond, calls


def run_against(tmp_path: Path, fault: Callable[[], Reply], times: int) -> tuple[Any, Path, int]:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<button>Go</button>")
    out = tmp_path / "run"
    respond, calls = faulty(fault, times)
    with serve_folder(tmp_path / "site") as site, serve_chat(respond) as server:
        result = mimo_gui(
            "run", "press Go", "--url", site, "--base-url", server.url, "--timeout", "1", "--out", str(out)
        )
    return result, out, len(calls)


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_once_is_retried_and_the_run_finishes(tmp_path: Path, name: str) -> None:
    fault, _, _ = FAULTS[name]
    result, out, calls = run_against(tmp_path, fault, times=1)
    assert result.returncode == 0, result.stderr
    loaded = load_run(out)
    assert loaded.run.status == "finished"
    assert [s.raw for s in loaded.steps] == [CLICK, FINISHED]
    assert calls == 3


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_always_ends_the_run_naming_it(tmp_path: Path, name: str) -> None:
    fault, words, code = FAULTS[name]
    result, out, _ = run_against(tmp_path, fault, times=10**6)
    assert result.returncode == code, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error after 2 steps: ")]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(errors) == 1, result.stderr
    assert words in errors[0], errors[0]
    assert "/v1/chat/completions" in errors[0]
    loaded = load_run(out)
    assert loaded.run.status == "error"
    assert words in (loaded.run.error or ""), loaded.run
    assert loaded.steps[0].raw == CLICK
    assert not loaded.truncated
