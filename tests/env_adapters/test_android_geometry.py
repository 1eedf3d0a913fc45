"""Parsers of what a device prints: `wm size`, `wm density`, rotation, focus, packages, UI dumps, keys.

Formats: AOSP ``WindowManagerShellCommand`` (``Physical size: 1080x2400``, ``Override size: …``,
``Physical density: 420``), ``DisplayRotation.dump`` (``mRotation=1``), ``mCurrentRotation=ROTATION_90``
(older ``dumpsys window``), ``dumpsys input`` (``SurfaceOrientation: 1``), adbutils ``shell.py``
``app_current`` (``mCurrentFocus=Window{… u0 pkg/activity}``, ``mResumedActivity``).
"""

from __future__ import annotations

import pytest

from mimo_gui.actions import ActionFailed
from mimo_gui.env_adapters.android.apps import choose_package, parse_focus, parse_packages, parse_resumed
from mimo_gui.env_adapters.android.geometry import parse_density, parse_rotation, parse_wm_size
from mimo_gui.env_adapters.android.keys import keycode
from mimo_gui.env_adapters.android.ui import label_at


def test_wm_size() -> None:
    assert parse_wm_size("Physical size: 1080x2400\n") == ((1080, 2400), None)
    assert parse_wm_size("Physical size: 1440x3120\nOverride size: 1080x2340\n") == (
        (1440, 3120),
        (1080, 2340),
    )
    with pytest.raises(ActionFailed, match=r"cannot read the screen size.*not found"):
        parse_wm_size("/system/bin/sh: wm: not found")


def test_wm_density() -> None:
    assert parse_density("Physical density: 420\n") == (420, None)
    assert parse_density("Physical density: 560\nOverride density: 480\n") == (560, 480)
    with pytest.raises(ActionFailed, match="density"):
        parse_density("")


@pytest.mark.parametrize(
    ("output", "rotation"),
    [
        ("  DisplayRotation\n    mRotation=1 mDeferredRotationPauseCount=0", 1),
        ("    mCurrentRotation=ROTATION_270\n", 3),
        ("mCurrentRotation=2", 2),
        ("SurfaceOrientation: 1", 1),
        ("DisplayViewport{type=INTERNAL, orientation=3, deviceWidth=1080}", 3),
        ("nothing here", None),
    ],
)
def test_rotation(output: str, rotation: int | None) -> None:
    assert parse_rotation(output) == rotation


def test_focus_and_resumed() -> None:
    window = "  mCurrentFocus=Window{5e1b2c3 u0 com.example.app/com.example.app.MainActivity}\n"
    assert parse_focus(window) == ("com.example.app", "com.example.app.MainActivity")
    assert parse_focus("  mCurrentFocus=Window{5e1b2c3 u0 NotificationShade}") is None
    assert parse_focus("  mCurrentFocus=null") is None
    activities = "    mResumedActivity: ActivityRecord{8a7d6c5 u0 com.android.settings/.Settings t12}\n"
    assert parse_resumed(activities) == ("com.android.settings", "com.android.settings.Settings")


def test_packages_and_names() -> None:
    listed = parse_packages("package:com.android.settings\npackage:com.google.android.apps.maps\n")
    listed += ["com.android.chrome", "com.example.app"]
    assert choose_package("com.android.chrome", listed) == "com.android.chrome"
    assert choose_package("Settings", listed) == "com.android.settings"
    assert choose_package("Google Maps", listed) == "com.google.android.apps.maps"
    assert choose_package("chrome", listed) == "com.android.chrome"
    with pytest.raises(ActionFailed, match=r"com\.nope\.app.*not installed"):
        choose_package("com.nope.app", listed)
    with pytest.raises(ActionFailed, match="no installed package matches app name 'Calculator'"):
        choose_package("Calculator", listed)
    with pytest.raises(ActionFailed, match="several packages"):
        choose_package("android", listed)


def test_keys() -> None:
    assert keycode("back") == "KEYCODE_BACK"
    assert keycode("Home") == "KEYCODE_HOME"
    assert keycode("app_switch") == "KEYCODE_APP_SWITCH"
    assert keycode("Return") == "KEYCODE_ENTER"
    # As on the desktop and in the browser: delete erases forwards, backspace backwards.
    assert keycode("delete") == keycode("Del") == keycode("forward_delete") == "KEYCODE_FORWARD_DEL"
    assert keycode("backspace") == "KEYCODE_DEL"
    assert keycode("volume_up") == "KEYCODE_VOLUME_UP"
    assert keycode("ArrowLeft") == "KEYCODE_DPAD_LEFT"
    assert keycode("a") == "KEYCODE_A"
    assert keycode("KEYCODE_CAMERA") == "KEYCODE_CAMERA"
    with pytest.raises(ActionFailed, match="unknown Android key 'hyper'"):
        keycode("hyper")
    with pytest.raises(ActionFailed, match="f20"):
        keycode("f20")


XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"
    '<node text="" content-desc="" bounds="[0,0][1080,2400]">'
    '<node text="Search" content-desc="" bounds="[40,200][1040,320]" />'
    '<node text="" content-desc="OK button" bounds="[340,1000][740,1160]">'
    '<node text="" content-desc="" bounds="[500,1050][580,1110]" />'
    "</node></node></hierarchy>"
)


def test_label_at() -> None:
    assert label_at(XML, 100, 250) == "Search"
    assert label_at(XML, 540, 1080) == "OK button"  # the unlabelled icon inside is passed over
    assert label_at(XML, 1040, 250) is None  # right edge is exclusive
    assert label_at(XML, 10, 2000) is None
    with pytest.raises(ValueError, match="not XML"):
        label_at("ERROR: could not get idle state", 1, 1)
