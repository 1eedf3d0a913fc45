"""Apps: the package list, choosing one by name, launching it, the one in front. Pure parsers.

Formats: ``pm list packages`` prints ``package:com.example.app`` lines (AOSP
``PackageManagerShellCommand.runListPackages``); ``dumpsys window`` has
``mCurrentFocus=Window{1a2b3c u0 com.example.app/com.example.app.MainActivity}`` and
``dumpsys activity activities`` ``mResumedActivity: ActivityRecord{… u0 com.example.app/.MainActivity t12}``
(the regular expressions of adbutils' ``ShellExtension.app_current``).

Labels: no shell command prints an app's label (it lives in the APK's resources), so
``OpenApp("Settings")`` is matched against package names: exactly, then by the label's
words (case and spaces ignored) against the package's last segments
(``Settings`` -> ``com.android.settings``), then by every word being a segment
(``Google Maps`` -> ``com.google.android.apps.maps``).
"""

from __future__ import annotations

import re

from ...actions import ActionFailed

__all__ = ["choose_package", "launch_command", "parse_focus", "parse_packages", "parse_resumed"]

_FOCUS = re.compile(r"mCurrentFocus=Window\{[^}]*?\s(?P<package>[^\s/}]+)/(?P<activity>[^\s}]+)\}")
_RESUMED = re.compile(
    r"(?:mResumedActivity|ResumedActivity|topResumedActivity)[:=]\s*ActivityRecord\{[^}]*?\s"
    r"(?P<package>[^\s/}]+)/(?P<activity>[^\s}]+)"
)
_PACKAGE = re.compile(r"[A-Za-z][\w]*(\.[A-Za-z_][\w]*)+")


def parse_packages(output: str) -> list[str]:
    """``pm list packages`` output -> package names, in order."""
    return [
        line.strip()[len("package:") :] for line in output.splitlines() if line.strip().startswith("package:")
    ]


def _full(package: str, activity: str) -> str:
    return package + activity if activity.startswith(".") else activity


def parse_focus(output: str) -> tuple[str, str] | None:
    """(package, activity) of the focused window in ``dumpsys window``; None for a non-app window."""
    match = _FOCUS.search(output)
    if match is None:
        return None
    return match["package"], _full(match["package"], match["activity"])


def parse_resumed(output: str) -> tuple[str, str] | None:
    """(package, activity) of the resumed activity in ``dumpsys activity activities``."""
    match = _RESUMED.search(output)
    if match is None:
        return None
    return match["package"], _full(match["package"], match["activity"])


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def choose_package(name: str, packages: list[str]) -> str:
    """The installed package ``name`` means: the package itself, or the one its words name.

    Raises:
        ActionFailed: none matches, or several do; the message lists candidates.
    """
    if name in packages:
        return name
    if _PACKAGE.fullmatch(name):
        raise ActionFailed(f"package {name!r} is not installed")
    wanted = _squash(name)
    if not wanted:
        raise ActionFailed(f"app name {name!r} has no letters or digits to match")

    def tails(package: str) -> list[str]:
        parts = package.lower().split(".")
        return ["".join(parts[i:]) for i in range(1, len(parts))]

    exact = [p for p in packages if p.lower().split(".")[-1] == wanted]
    if len(exact) == 1:
        return exact[0]
    joined = [p for p in packages if wanted in tails(p)]
    if len(joined) == 1:
        return joined[0]
    words = [w for w in re.split(r"[^0-9a-z]+", name.lower()) if w]
    every = [p for p in packages if set(words) <= set(p.lower().split("."))]
    if len(every) == 1:
        return every[0]
    near = sorted({p for p in packages if wanted in _squash(p.split(".", 1)[-1])})
    candidates = exact or joined or every or near
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        shown = ", ".join(candidates[:8])
        raise ActionFailed(f"app name {name!r} matches several packages: {shown}; name the package")
    raise ActionFailed(
        f"no installed package matches app name {name!r} ({len(packages)} installed); "
        "name the package (`pm list packages`)"
    )


def launch_command(package: str) -> str:
    """The command that starts ``package``'s launcher activity, as a user's tap on its icon would."""
    return f"monkey -p {package} -c android.intent.category.LAUNCHER 1"
