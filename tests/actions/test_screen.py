"""`ScreenContext.to_json`: what a step record keeps of the screen besides the pixels."""

from __future__ import annotations

from mimo_gui.actions.screen import Dialog, ScreenContext, Tab


def test_empty_fields_are_left_out() -> None:
    assert ScreenContext().to_json() == {}
    assert ScreenContext(title="Inbox").to_json() == {"title": "Inbox"}


def test_tabs_and_dialog_are_kept() -> None:
    context = ScreenContext(
        url="http://x/", tabs=(Tab(0, "A", "http://x/", True),), dialog=Dialog("alert", "Saved")
    )
    assert context.to_json() == {
        "url": "http://x/",
        "tabs": [{"index": 0, "title": "A", "url": "http://x/", "active": True}],
        "dialog": {"kind": "alert", "message": "Saved"},
    }


def test_a_prompts_default_value_is_kept() -> None:
    # Accepting a prompt without text sends its default value: the record must say what that was.
    context = ScreenContext(dialog=Dialog("prompt", "Your name?", default_value="anon"))
    assert context.to_json()["dialog"] == {"kind": "prompt", "message": "Your name?", "default_value": "anon"}
