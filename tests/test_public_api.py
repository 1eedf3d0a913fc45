"""The public surface is pinned, and importing it loads no heavy dependency."""

from __future__ import annotations

import subprocess
import sys

import mimo_gui

EXPECTED = {
    "PROFILES", "Action", "AndroidEnv", "ActionAdapter", "ActionDenied", "ActionFailed", "ActionResult", "Agent", "AnswerDialog", "Back",
    "AnswerTruncated", "FailSafeTriggered", "Backend", "BackendBase", "BackendError", "CassetteMismatch", "Capabilities", "EnvUnreachable",
    "ScreenContext", "Settle", "UnframeableImage", "BackendRejected", "BackendTimeout", "BackendUnreachable", "BadResponse", "Box",
    "BrowserEnv", "CallUser", "CaptureFailed", "Click", "Completion", "CompletionRequest", "ConfigError",
    "CoordinateError", "Decision", "DesktopEnv", "Drag", "Env", "EnvError", "Fail", "Finish", "Frame", "GroundResult", "Home",
    "Hotkey", "ImageEnv", "LoadedRun", "LongPress", "MimoGuiError", "ModelNotFoundError", "MoveTo", "Navigate",
    "Observation", "OpenAIBackend", "OpenApp", "ParseError", "Point", "Profile", "RunRecord", "RunResult",
    "Sampling", "ScriptedBackend", "Scroll", "Space", "StepRecord", "Swipe", "SwitchTab", "TransformersBackend",
    "Type", "UnsupportedAction", "Wait", "__version__", "check_env", "create_backend", "get_profile", "ground",
    "load_run", "smart_resize", "Check", "GuiAssertionError", "QueryError", "WaitTimeout", "SecretText", "Resolution",
    "load_flow", "run_flow", "Policy", "load_policy",
}  # fmt: skip

HEAVY = ("torch", "torchvision", "transformers", "accelerate", "playwright", "pyautogui", "mss", "adbutils")


def test_all_is_pinned() -> None:
    assert set(mimo_gui.__all__) == EXPECTED
    assert len(mimo_gui.__all__) == len(EXPECTED)
    for name in mimo_gui.__all__:
        assert getattr(mimo_gui, name) is not None


def test_subpackage_surfaces_are_explicit() -> None:
    import mimo_gui.actions
    import mimo_gui.errors
    import mimo_gui.prompts

    for module in (mimo_gui.actions, mimo_gui.prompts, mimo_gui.errors):
        assert all(hasattr(module, name) for name in module.__all__)
    assert mimo_gui.errors.ParseError is mimo_gui.ParseError


def test_importing_loads_no_heavy_dependency() -> None:
    code = (
        "import sys, mimo_gui, mimo_gui.cli, mimo_gui.agent, mimo_gui.env_adapters, mimo_gui.prompts; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"DISPLAY": ""}
    )
    assert out.stdout.strip() == "[]"


def test_the_error_tree() -> None:
    from mimo_gui import errors

    assert issubclass(errors.ParseError, errors.MimoGuiError)
    assert issubclass(errors.ModelNotFoundError, errors.ConfigError)
    for name in ("BackendUnreachable", "BackendTimeout", "BackendRejected", "BadResponse"):
        assert issubclass(getattr(errors, name), errors.BackendError)
    for name in ("UnsupportedAction", "ActionFailed", "CaptureFailed"):
        assert issubclass(getattr(errors, name), errors.EnvError)
    assert issubclass(errors.QueryError, errors.ParseError)
    assert issubclass(errors.GuiAssertionError, errors.MimoGuiError)
    assert issubclass(errors.GuiAssertionError, AssertionError)  # a test runner's failed assertion
    assert issubclass(errors.WaitTimeout, errors.MimoGuiError)
    e = errors.ParseError("no action", raw="x" * 400, expected="json")
    assert str(e) == "no action; raw answer: '" + "x" * 300 + "…'" and e.raw == "x" * 400
