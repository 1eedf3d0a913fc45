"""`CassetteBackend` and the perceptual hash, on real Chromium screenshots of a form page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.actions.errors import CassetteMismatch
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.cassette import CassetteBackend
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.image_hash import DEFAULT_THRESHOLD, difference_hash, hash_distance
from mimo_gui.prompts.messages import ImagePart, Message, TextPart

PAGE = (
    "data:text/html,<html><body style='font:16px sans-serif;margin:40px'>"
    "<h1>Sign up</h1><label>Name <input id=n style='width:300px;font-size:18px'></label>"
    "<p>Fill in your name and press Send.</p><button>Send</button></body></html>"
)


@pytest.fixture(scope="module")
def shots() -> tuple[Image.Image, ...]:
    """Two captures of the same form, one with the name field filled, one with a character typed."""
    pytest.importorskip("playwright")
    from mimo_gui.env_adapters.browser import BrowserEnv, find_chromium

    try:
        chromium = find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))
    with BrowserEnv.launch(PAGE, viewport=(800, 500), chromium=chromium) as env:
        a = env.observe().image.copy()
        b = env.observe().image.copy()
        env.page.fill("#n", "A")
        one = env.observe().image.copy()
        env.page.fill("#n", "Alice Wonderland the Third")
        c = env.observe().image.copy()
    return a, b, c, one


def request(image: Image.Image, text: str = "Where is the Send button?") -> CompletionRequest:
    return CompletionRequest((Message("user", (ImagePart(image), TextPart(text))),))


def test_identical_screens_hash_alike_and_a_filled_field_does_not(shots) -> None:  # type: ignore[no-untyped-def]
    a, b, c, one = shots
    assert hash_distance(difference_hash(a), difference_hash(b)) == 0
    changed = hash_distance(difference_hash(a), difference_hash(c))
    assert changed > DEFAULT_THRESHOLD, changed
    assert hash_distance(difference_hash(a), difference_hash(one)) <= DEFAULT_THRESHOLD


def test_threshold_just_under_and_just_over(shots, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _, c, _ = shots
    distance = hash_distance(difference_hash(a), difference_hash(c))
    path = tmp_path / "t.jsonl"
    CassetteBackend(ScriptedBackend.from_answers(["ok"]), path, "record").complete(request(a))
    at = CassetteBackend(None, path, "replay", threshold=distance)
    assert at.complete(request(c)).text == "ok"  # distance == threshold: the same screen
    under = CassetteBackend(None, path, "replay", threshold=distance - 1)
    with pytest.raises(
        CassetteMismatch,
        match=rf"step 1: the screenshot differs .*\(hash distance {distance} > {distance - 1}\)",
    ):
        under.complete(request(c))


def test_record_then_replay_in_order_without_a_model(shots, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _, _ = shots
    path = tmp_path / "sub" / "test_x.jsonl"
    inner = ScriptedBackend.from_answers(["first", "second", "third"])
    with CassetteBackend(inner, path, "record") as rec:
        assert [rec.complete(request(a)).text, rec.complete(request(a)).text] == ["first", "second"]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["step"] for e in lines] == [1, 2]
    assert lines[0]["completion"]["text"] == "first" and len(lines[0]["image_hashes"][0]) == 1024
    assert path.stat().st_size < 6000  # hashes only, never the 800x500 image
    replay = CassetteBackend(None, path, "replay")
    assert [replay.complete(request(b)).text, replay.complete(request(b)).text] == ["first", "second"]
    with pytest.raises(CassetteMismatch, match=r"step 3: .*no more entries"):
        replay.complete(request(b))
    # record again starts afresh at the first request of the session
    with CassetteBackend(ScriptedBackend.from_answers(["only"]), path, "record") as again:
        again.complete(request(a))
    assert len(path.read_text().splitlines()) == 1


def test_changed_prompt_names_the_step_and_the_text(shots, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _, _, _ = shots
    path = tmp_path / "c.jsonl"
    CassetteBackend(ScriptedBackend.from_answers(["x"]), path, "record").complete(request(a, "Click Send"))
    with pytest.raises(CassetteMismatch, match=r'^step 1: the prompt text differs at ".*Click Cancel'):
        CassetteBackend(None, path, "replay").complete(request(a, "Click Cancel"))


def test_auto_replays_when_present_else_records(shots, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _, _, _ = shots
    path = tmp_path / "auto.jsonl"
    inner = ScriptedBackend.from_answers(["live"])
    first = CassetteBackend(inner, path, "auto")
    assert first.mode == "record" and first.complete(request(a)).text == "live"
    first.close()
    unused = ScriptedBackend.from_answers([])
    second = CassetteBackend(unused, path, "auto")
    assert second.mode == "replay" and second.complete(request(a)).text == "live"
    assert unused.requests == []


def test_replay_of_a_missing_cassette_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        CassetteBackend(None, tmp_path / "none.jsonl", "replay")
