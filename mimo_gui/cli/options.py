"""What the commands share: the parser class, the model and browser flags, and building the
backend, the profile and the browser from them. Each command module adds its own flags."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

from ..actions import DEFAULT_RESOLUTION, ConfigError, Navigate, Resolution
from ..agent.backends.base import Backend
from ..agent.backends.factory import BACKEND_KINDS, choose_backend_kind, create_backend
from ..prompts import PROFILES, Profile, get_profile
from .exits import EXIT_USAGE

if TYPE_CHECKING:
    from ..env_adapters.base import Env

__all__ = [
    "DEFAULT_VIEWPORT",
    "ENVS",
    "Parser",
    "add_android_options",
    "add_browser_options",
    "add_desktop_options",
    "add_env_option",
    "add_model_options",
    "build_backend",
    "check_desktop_options",
    "check_env_options",
    "check_lang",
    "env_bool",
    "examples",
    "load_answer_list",
    "open_browser",
    "open_env",
    "positive_int",
    "resolve_profile",
    "resolve_think",
    "uses_answers_file",
    "viewport",
    "warn",
]

DEFAULT_VIEWPORT = (1280, 800)


class Parser(argparse.ArgumentParser):
    """An argparse parser that exits 2 with one line, and keeps examples laid out as written."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        # One line, like every other error: the usage of a command with twenty flags buries it.
        more = "" if "--help" in message else f" (see {self.prog} --help)"
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{more}\n")


def examples(*lines: str) -> str:
    """An ``--help`` epilog listing example command lines."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def warn(command: str, message: str) -> None:
    """One warning line on stderr, in the form errors take."""
    print(f"mimo-gui {command}: warning: {message}", file=sys.stderr)


def env_bool(name: str) -> bool | None:
    """The environment variable ``name`` read as a boolean; None when unset or empty.

    Raises:
        ConfigError: a value that is not one of 1/0, true/false, yes/no, on/off.
    """
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def viewport(text: str) -> tuple[int, int]:
    """argparse type: ``WIDTHxHEIGHT`` in CSS px, each side within the browser's `VIEWPORT_SIDES`."""
    from ..env_adapters.browser import check_viewport

    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}") from None
    try:
        return check_viewport(w, h)  # 100000x100000 is refused here, before Chromium starts
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -- the model --------------------------------------------------------------------------------

ANSWERS_HELP = "scripted backend: a JSON list of answers (strings), played in order"


def add_model_options(p: argparse.ArgumentParser, *, answers_help: str = ANSWERS_HELP) -> None:
    """The flags every model-driven command shares."""
    p.add_argument(
        "--backend", choices=BACKEND_KINDS, help="default: openai with a base URL, else transformers"
    )
    p.add_argument(
        "--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1 (env MIMO_GUI_BASE_URL)"
    )
    p.add_argument("--api-key", help="API key, if the server wants one (env MIMO_GUI_API_KEY)")
    p.add_argument("--model", help="model name or hub id (env MIMO_GUI_MODEL)")
    p.add_argument(
        "--profile", help=f"model family: {', '.join(PROFILES)} (env MIMO_GUI_PROFILE; default mimo-vl)"
    )
    p.add_argument(
        "--think",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reasoning on/off (env MIMO_GUI_THINK)",
    )
    p.add_argument("--min-pixels", type=int, help="smallest image area the model is shown")
    p.add_argument("--max-pixels", type=int, help="largest image area the model is shown")
    p.add_argument("--max-tokens", type=int, help="most tokens the model may answer with")
    p.add_argument("--timeout", type=float, help="seconds to wait for each model answer")
    p.add_argument(
        "--image-format",
        choices=("png", "jpeg", "webp"),
        help="how screenshots travel to a server (default jpeg q90 4:4:4; png: lossless, slower to encode)",
    )
    p.add_argument("--answers", type=Path, metavar="FILE", help=answers_help)


def add_resolution_option(p: argparse.ArgumentParser) -> None:
    """``--resolution``: what the model image's pixel budget applies to on a HiDPI screen."""
    p.add_argument(
        "--resolution",
        choices=("physical", "logical"),
        help="frame a HiDPI screenshot at its physical pixels or at its logical size, a quarter "
        f"of the pixels at scale 2 (env MIMO_GUI_RESOLUTION; default {DEFAULT_RESOLUTION})",
    )


def resolve_resolution(args: argparse.Namespace) -> Resolution:
    """``--resolution``, else ``MIMO_GUI_RESOLUTION``, else the default.

    Raises:
        ConfigError: ``MIMO_GUI_RESOLUTION`` names neither.
    """
    given = getattr(args, "resolution", None) or os.environ.get("MIMO_GUI_RESOLUTION") or DEFAULT_RESOLUTION
    if given not in ("physical", "logical"):
        raise ConfigError(f"MIMO_GUI_RESOLUTION must be 'physical' or 'logical', got {given!r}")
    return cast(Resolution, given)


def resolve_profile(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile`` (or the environment), with ``--min/--max-pixels`` applied.

    Raises:
        ConfigError: an unknown profile, or a pixel budget that is not positive or is inverted.
    """
    profile = get_profile(args.profile or os.environ.get("MIMO_GUI_PROFILE") or None)
    changes = {
        k: v for k, v in (("min_pixels", args.min_pixels), ("max_pixels", args.max_pixels)) if v is not None
    }
    if changes:
        for key, value in changes.items():
            if value <= 0:
                raise ConfigError(f"--{key.replace('_', '-')} must be positive, got {value}")
        profile = replace(profile, **changes)
        if profile.min_pixels > profile.max_pixels:
            raise ConfigError(f"--min-pixels {profile.min_pixels} exceeds --max-pixels {profile.max_pixels}")
    return profile


def check_lang(profile: Profile, lang: str) -> None:
    """Refuse ``--lang`` naming a language the profile has no prompt in, before a model starts
    (without it, ``--lang cn`` with an English-only profile would fail only at the first prompt).

    Raises:
        ConfigError: ``lang`` is not one of the profile's prompt languages.
    """
    profile.require_language(lang)


def resolve_think(args: argparse.Namespace) -> bool | None:
    """``--think``/``--no-think``, else ``MIMO_GUI_THINK``, else None (the profile's default)."""
    think: bool | None = args.think
    return think if think is not None else env_bool("MIMO_GUI_THINK")


def load_answer_list(path: Path) -> list[str]:
    """The answers in ``path``: a JSON list of strings, played in order.

    Raises:
        ConfigError: the file is missing, is not JSON, or is not a list of strings.
    """
    try:
        answers = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"answers file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read answers file {str(path)!r}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"answers file {str(path)!r} is not JSON: {exc}") from None
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ConfigError(f"answers file {str(path)!r} must hold a JSON list of strings")
    return answers


def uses_answers_file(args: argparse.Namespace) -> bool:
    """Whether the command plays an answers file (``--backend scripted``, or ``--answers`` alone)."""
    return args.backend == "scripted" or (args.backend is None and args.answers is not None)


def build_backend(
    args: argparse.Namespace, *, concurrency: int | None = None, batch_size: int | None = None
) -> Backend:
    """The backend the flags ask for.

    Args:
        args: the parsed flags (`add_model_options`).
        concurrency: connections an ``openai`` client pools (eval); None for the default.
        batch_size: images a ``transformers`` model batches (eval); None for the default.

    Raises:
        ConfigError: ``--backend scripted`` without ``--answers``, a bad answers file, or a
            backend that cannot be built from the flags.
    """
    if uses_answers_file(args):
        from ..agent.backends.scripted import ScriptedBackend

        if args.answers is None:
            raise ConfigError("--backend scripted needs --answers FILE (a JSON list of answers)")
        return ScriptedBackend.from_answers(
            load_answer_list(args.answers), model=f"scripted:{args.answers.name}"
        )
    kind = choose_backend_kind(args.backend, args.base_url)
    if kind == "transformers":
        from ..agent.backends.transformers import DEFAULT_MODEL, TransformersBackend

        model = args.model or os.environ.get("MIMO_GUI_MODEL") or DEFAULT_MODEL
        # Loading (or first downloading) a 7B model takes a while: say what is happening.
        print(
            f"loading {model} on this machine with transformers (--base-url uses a served model)",
            file=sys.stderr,
        )
        if batch_size is not None:
            return TransformersBackend(model, batch_size=batch_size)
    if kind == "openai" and concurrency is not None:
        from ..agent.backends.openai import OpenAIBackend

        return OpenAIBackend.from_env(
            base_url=args.base_url,
            model=args.model,
            api_key=args.api_key,
            timeout=args.timeout,
            concurrency=concurrency,
            # --image-format as given; otherwise the backend's default transport (jpeg)
            **({"image_format": args.image_format} if args.image_format else {}),
        )
    return create_backend(
        args.backend,
        base_url=args.base_url,
        api_key=args.api_key,
        model=args.model,
        timeout=args.timeout,
        image_format=args.image_format,
    )


# -- the browser ------------------------------------------------------------------------------

_LAUNCH_ONLY = ("--viewport", "--device-scale-factor", "--headed", "--chromium")


def add_browser_options(p: argparse.ArgumentParser, *, attach: bool = True) -> None:
    """The flags that launch (or, with ``attach``, attach to) Chromium."""
    p.add_argument(
        "--viewport",
        type=viewport,
        metavar="WxH",
        help=f"browser viewport in CSS px (default {DEFAULT_VIEWPORT[0]}x{DEFAULT_VIEWPORT[1]})",
    )
    p.add_argument(
        "--device-scale-factor", type=float, metavar="F", help="browser device scale factor (default 1)"
    )
    p.add_argument("--chromium", help="Chromium executable (env MIMO_GUI_CHROMIUM; default: found on PATH)")
    if attach:
        p.add_argument("--headed", action="store_true", help="show the browser window (needs a display)")
        p.add_argument(
            "--cdp-url",
            help="attach to a running Chromium at this DevTools URL instead of launching one "
            "(then --viewport, --device-scale-factor, --headed and --chromium do not apply)",
        )


def launch_settings(args: argparse.Namespace) -> tuple[tuple[int, int], float]:
    """The viewport and device scale factor to launch with (defaults filled in).

    Raises:
        ConfigError: a device scale factor that is not a positive number.
    """
    from ..env_adapters.browser.chromium import check_scale

    scale = 1.0 if args.device_scale_factor is None else args.device_scale_factor
    try:
        scale = check_scale(scale)
    except ConfigError:
        raise ConfigError(f"--device-scale-factor must be a positive number, got {scale}") from None
    return args.viewport or DEFAULT_VIEWPORT, scale


def check_browser_options(args: argparse.Namespace, command: str) -> None:
    """Warn about launch flags that an attached browser (``--cdp-url``) cannot honour.

    Raises:
        ConfigError: a device scale factor that is not positive.
    """
    launch_settings(args)
    if not getattr(args, "cdp_url", None):
        return
    given = [
        flag for flag in _LAUNCH_ONLY if getattr(args, flag[2:].replace("-", "_"), None) not in (None, False)
    ]
    if given:
        are = "does" if len(given) == 1 else "do"
        warn(
            command,
            f"{', '.join(given)} {are} not apply with --cdp-url: the browser there is already running "
            "with its own window and viewport; ignored",
        )


def open_browser(
    args: argparse.Namespace, url: str | None, *, allow_hosts: Sequence[str] | None = None
) -> Env:
    """Attach to ``--cdp-url`` or launch Chromium, on ``url`` if given.

    With ``allow_hosts`` (a policy's list) the browser aborts every top-level navigation
    elsewhere (`BrowserEnv`'s guard).

    Raises:
        ConfigError: no Chromium or playwright, or bad launch settings or ``allow_hosts``.
        ActionDenied: ``url`` is on a host ``allow_hosts`` refuses.
        EnvUnreachable: nothing listens at ``--cdp-url``, or ``url`` cannot be reached.
    """
    from ..env_adapters.browser import BrowserEnv, Capture

    # At the logical resolution Chromium itself captures one pixel per CSS pixel: a quarter of
    # the pixels to encode and frame at scale 2.
    capture: Capture = "css" if resolve_resolution(args) == "logical" else "device"
    if args.cdp_url:
        env = BrowserEnv.connect(args.cdp_url, capture=capture, allow_hosts=allow_hosts)
        if url:
            try:
                env.execute(Navigate(url=url))
            except BaseException:
                env.close()
                raise
        return env
    size, scale = launch_settings(args)
    return BrowserEnv.launch(
        url,
        viewport=size,
        device_scale_factor=scale,
        headless=not args.headed,
        chromium=args.chromium,
        capture=capture,
        allow_hosts=allow_hosts,
    )


# -- the screen: browser, desktop or android ----------------------------------------------

ENVS = ("browser", "desktop", "android")
"""The screens ``--env`` can name."""

_BROWSER_ONLY = ("--url", "--cdp-url", "--viewport", "--device-scale-factor", "--headed", "--chromium")
_DESKTOP_ONLY = ("--monitor", "--scale")
_ANDROID_ONLY = ("--serial", "--adb-host", "--adb-port")
_ENV_FLAGS = {"browser": _BROWSER_ONLY, "desktop": _DESKTOP_ONLY, "android": _ANDROID_ONLY}
"""The flags only one env takes; given to another env, each is refused by name."""


def add_env_option(p: argparse.ArgumentParser, default: str = "browser") -> None:
    """``--env {browser,desktop,android}``: the screen a command drives."""
    p.add_argument("--env", choices=ENVS, default=default, help=f"the screen to drive (default {default})")


def add_desktop_options(p: argparse.ArgumentParser) -> None:
    """The flags of the desktop env: which monitor, and its scale if detection is wrong."""
    p.add_argument(
        "--monitor",
        type=positive_int,
        metavar="N",
        help="desktop: the monitor to capture and act on, numbered from 1 (default: the primary)",
    )
    p.add_argument(
        "--scale",
        type=float,
        metavar="F",
        help="desktop: physical pixels per logical point (default: detected; "
        "prove a value with mimo-gui calibrate --env desktop)",
    )


def adb_port(text: str) -> int:
    """argparse type: a TCP port, 1..65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1..65535, got {value}")
    return value


def add_android_options(p: argparse.ArgumentParser) -> None:
    """The flags of the android env: which device, and where its adb server listens.

    Unset, each falls back the way adb itself does (`AndroidEnv`): ``ANDROID_SERIAL`` or the
    only device attached; ``ANDROID_ADB_SERVER_HOST``/``ANDROID_ADB_SERVER_PORT`` or 127.0.0.1:5037.
    """
    p.add_argument(
        "--serial",
        metavar="SERIAL",
        help="android: the device to drive, as `adb devices` lists it "
        "(env ANDROID_SERIAL; default: the only device attached)",
    )
    p.add_argument(
        "--adb-host",
        metavar="HOST",
        help="android: the adb server's host (env ANDROID_ADB_SERVER_HOST; default 127.0.0.1)",
    )
    p.add_argument(
        "--adb-port",
        type=adb_port,
        metavar="PORT",
        help="android: the adb server's port (env ANDROID_ADB_SERVER_PORT; default 5037)",
    )


def _given(args: argparse.Namespace, flag: str) -> bool:
    # Flags a command does not have are absent from ``args``; unset ones are None or False.
    # By identity: ``0.0 in (None, False)`` is true, and ``--device-scale-factor 0`` was given.
    value = getattr(args, flag[2:].replace("-", "_"), None)
    return value is not None and value is not False


def check_env_options(args: argparse.Namespace, command: str) -> None:
    """Refuse flags of another env, and a ``--scale`` that is not a positive number.

    A browser flag given to a desktop or android run (or any other pairing) would be silently
    ignored, and a user who typed ``--viewport`` expects it to mean something: it is a mistake
    to name.

    Raises:
        ConfigError: one line naming the first misplaced flag and the env it belongs to, or
            the bad ``--scale``.
    """
    env = getattr(args, "env", "browser")
    for belongs, flags in _ENV_FLAGS.items():
        if belongs == env:
            continue
        for flag in flags:
            if _given(args, flag):
                raise ConfigError(
                    f"{flag} belongs to --env {belongs}: mimo-gui {command} --env {env} does not take it"
                )
    scale = getattr(args, "scale", None)
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise ConfigError(f"--scale must be a positive number of physical pixels per point, got {scale}")
    serial = getattr(args, "serial", None)
    if serial is not None and not serial.strip():
        raise ConfigError("--serial is empty: name a device as `adb devices` lists it")


check_desktop_options = check_env_options
"""The old name of `check_env_options`, from when there were two envs."""


def open_env(args: argparse.Namespace, url: str | None, *, allow_hosts: Sequence[str] | None = None) -> Env:
    """The screen ``--env`` names: Chromium (`open_browser`, on ``url``, guarded by
    ``allow_hosts`` if given), the desktop, or a phone (where ``allow_hosts`` has no browser to guard).

    Raises:
        ConfigError: a missing package or Chromium, a monitor or scale the desktop refuses.
        EnvUnreachable: no display (or one that refuses us), a browser that cannot be reached,
            no adb server, or no such device (or several, and no serial).
    """
    env = getattr(args, "env", "browser")
    if env == "desktop":
        # Imported here: the desktop env loads pyautogui, which connects to $DISPLAY on import.
        from ..env_adapters.desktop import DesktopEnv

        return DesktopEnv(monitor=args.monitor, scale=args.scale)
    if env == "android":
        # Imported here: only android runs need adbutils.
        from ..env_adapters.android import AndroidEnv

        return AndroidEnv(
            serial=getattr(args, "serial", None),
            adb_host=getattr(args, "adb_host", None),
            adb_port=getattr(args, "adb_port", None),
        )
    return open_browser(args, url, allow_hosts=allow_hosts)
