"""Issue 11, item 9: ``.ci/setup`` installs into the active virtual environment when there is
one, else into the system ``python3``, and its comments speak of the project only. Issue 12:
it asks apt for exactly the Debian packages the browser and desktop paths lack, and for
nothing when they are there.

The script is run for real, with stand-ins on PATH for ``chromium`` (so apt is not needed)
and for the Python it should pick, each recording the command it was given; the apt tests
run it on a PATH holding only stand-ins and the few tools the script itself uses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / ".ci" / "setup"


def recorder(path: Path, log: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{path.name} $*" >> {log}\n', encoding="utf-8")
    path.chmod(0o755)


def run_setup(tmp_path: Path, virtual_env: Path | None) -> list[str]:
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    recorder(bin_dir / "chromium", log)
    recorder(bin_dir / "python3", log)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    if virtual_env is not None:
        recorder(virtual_env / "bin" / "python", log)
        env["VIRTUAL_ENV"] = str(virtual_env)
    result = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return log.read_text(encoding="utf-8").splitlines()


def pip_installs(calls: list[str]) -> list[str]:
    return [c for c in calls if " -m pip install " in c]


def test_installs_into_the_active_virtual_environment(tmp_path) -> None:
    calls = run_setup(tmp_path, tmp_path / "venv")
    assert pip_installs(calls)[-1] == "python -m pip install -q -e .[all,dev]"
    assert all(c.startswith("python ") for c in calls)  # the venv's python, never the system's


def test_installs_into_the_system_python_without_one(tmp_path) -> None:
    calls = run_setup(tmp_path, None)
    assert pip_installs(calls)[-1] == "python3 -m pip install -q -e .[all,dev]"


# -- apt: only what is missing -------------------------------------------------------------

TOOLS = {  # command -> the Debian package that provides it (bookworm)
    "chromium": "chromium",
    "Xvfb": "xvfb",
    "xclip": "xclip",
    "xsel": "xsel",
    "xdpyinfo": "x11-utils",
    "xrandr": "x11-xserver-utils",
    "xauth": "xauth",
    "xdotool": "xdotool",
}
SCRIPT_NEEDS = ("dirname", "id", "grep")  # what .ci/setup runs besides the stand-ins


def bare_machine(
    tmp_path: Path, *, tools: tuple[str, ...], fonts: bool, tkinter: bool, prefix: str, xlib: bool = True
) -> dict[str, str]:
    """A PATH with only ``tools`` (stand-ins), a sudo that runs its command, a dpkg-query
    that knows of fonts-dejavu-core when ``fonts``, a python3 that can import tkinter when
    ``tkinter``, reports ``prefix`` as its base prefix and has python-xlib 0.33 when ``xlib``
    (else pyautogui's python3-xlib 0.15 won), and an apt-get that records what it was asked for."""

    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bare-bin"
    for tool in (*tools, "apt-get"):
        recorder(bin_dir / tool, log)
    for tool in SCRIPT_NEEDS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n', encoding="utf-8")  # when not root
    status = "install ok installed" if fonts else ""
    (bin_dir / "dpkg-query").write_text(f"#!/bin/sh\nprintf '%s' '{status}'\n", encoding="utf-8")
    (bin_dir / "python3").write_text(
        f'#!/bin/sh\necho "python3 $*" >> {log}\n'
        f'case "$*" in *"import tkinter"*) exit {0 if tkinter else 1};; *base_prefix*) echo {prefix};;\n'
        f'  *"import sys, Xlib"*) exit {0 if xlib else 1};; esac\n',
        encoding="utf-8",
    )
    for f in bin_dir.iterdir():
        if not f.is_symlink():
            f.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "SUDO")}
    env["PATH"] = str(bin_dir)
    return env


def apt_requests(tmp_path: Path, env: dict[str, str]) -> list[list[str]]:
    result = subprocess.run(["/bin/bash", str(SETUP)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls.log").read_text(encoding="utf-8").splitlines()
    return [c.split()[1:] for c in calls if c.startswith("apt-get ")]


def test_a_bare_machine_gets_every_package_once(tmp_path) -> None:
    env = bare_machine(tmp_path, tools=(), fonts=False, tkinter=False, prefix="/root/.pyenv/versions/3.11.7")
    update, install = apt_requests(tmp_path, env)
    assert update == ["update", "-qq"]
    assert install[:4] == ["install", "-y", "-qq", "--no-install-recommends"]
    # a python of its own (pyenv) needs Debian's Tk library, not Debian's python3-tk
    assert install[4:] == [*TOOLS.values(), "fonts-dejavu-core", "libtk8.6"]


def test_debians_own_python_gets_python3_tk(tmp_path) -> None:
    env = bare_machine(tmp_path, tools=tuple(TOOLS), fonts=True, tkinter=False, prefix="/usr")
    _, install = apt_requests(tmp_path, env)
    assert install[4:] == ["python3-tk"]


def test_only_the_missing_tools_are_asked_for(tmp_path) -> None:
    present = tuple(t for t in TOOLS if t not in ("xsel", "xrandr"))
    env = bare_machine(tmp_path, tools=present, fonts=True, tkinter=True, prefix="/usr")
    _, install = apt_requests(tmp_path, env)
    assert install[4:] == ["xsel", "x11-xserver-utils"]


def test_a_complete_machine_asks_apt_for_nothing(tmp_path) -> None:
    env = bare_machine(tmp_path, tools=tuple(TOOLS), fonts=True, tkinter=True, prefix="/usr")
    assert apt_requests(tmp_path, env) == []


def test_its_comments_speak_of_the_project_only() -> None:
    comments = " ".join(line for line in SETUP.read_text().splitlines() if line.lstrip().startswith("#"))
    for words in ("workplace", "local disk", "measured", "here"):  # the machine it was written on
        assert not re.search(rf"\b{words}\b", comments, re.IGNORECASE), words


def test_python_xlib_is_put_back_when_pyautogui_s_fork_won(tmp_path) -> None:
    # pyautogui pulls python3-xlib 0.15, which writes the same `Xlib` files as python-xlib 0.33
    env = bare_machine(tmp_path, tools=tuple(TOOLS), fonts=True, tkinter=True, prefix="/usr", xlib=False)
    apt_requests(tmp_path, env)
    pips = pip_installs((tmp_path / "calls.log").read_text(encoding="utf-8").splitlines())
    assert pips[-2:] == [
        "python3 -m pip install -q -e .[all,dev]",
        "python3 -m pip install -q --force-reinstall --no-deps python-xlib>=0.33",
    ]  # (with python-xlib 0.33 in place, the editable install is the last: the tests above)
