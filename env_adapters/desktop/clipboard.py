"""Pasting text through the clipboard, and putting the user's clipboard back afterwards.

pyautogui types only what its keyboard table has a key for and drops the rest without a
word, so text beyond ASCII reaches the screen by paste. The clipboard is the user's: what
was on it before is put back after the paste.

On X11 the paste is exact, not a guess at how long the target takes: we own the CLIPBOARD
selection ourselves (an unmapped window on our own connection), press the paste chord, and
answer the focused program's SelectionRequests until it has fetched the text in a text
target (ICCCM §2.2-2.6: TARGETS, TIMESTAMP, UTF8_STRING, STRING, TEXT), or time out. One
thread does it all: pressing the chord never waits for the requestor, so the requests are
simply read after it. Then the previous text goes back to ``xclip``/``xsel``, which keep
serving it after we exit (a selection dies with its owner's connection); a clipboard that
was unowned is left unowned.

Elsewhere (macOS, Windows) pyperclip sets the clipboard and no signal says when the target
has read it: we wait `PASTE_WAIT` seconds before restoring.
"""

from __future__ import annotations

import contextlib
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...actions import ActionFailed, ConfigError
from .errors import input_errors

__all__ = ["PASTE_TIMEOUT", "PASTE_WAIT", "paste"]

PASTE_TIMEOUT = 5.0
"""Seconds the focused program has to ask for the pasted text (X11)."""

PASTE_WAIT = 0.5
"""Seconds to leave the text on the clipboard after the chord where no signal says it was read."""

_NONE = 0  # X.NONE (X.h): no window, no property
_TOOL_TIMEOUT = 5.0
_READ_TIMEOUT = 2.0

# Text targets we serve and read, best first. UTF8_STRING is freedesktop's, STRING is
# ICCCM's Latin-1, TEXT lets the owner pick (we answer UTF-8, as GTK and xclip do).
_TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT")


def paste(text: str, press_paste: Callable[[], object], *, timeout: float = PASTE_TIMEOUT) -> str:
    """Paste ``text`` into the focused window with ``press_paste`` (the chord); the step detail.

    Raises:
        ActionFailed: nothing asked for the text within ``timeout`` (X11), or the clipboard
            could not be taken.
        ConfigError: neither xclip nor xsel is installed (X11), or pyperclip is missing.
        FailSafeTriggered: the fail-safe fired while pressing the chord.
    """
    if sys.platform in ("darwin", "win32"):
        return _paste_pyperclip(text, press_paste)
    return _paste_x11(text, press_paste, timeout)


# -- X11 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tool:
    """The program that hands the previous text back and keeps serving it: xclip or xsel."""

    read: tuple[str, ...]  # + target for xclip
    write: tuple[str, ...]
    picks_target: bool


_TOOLS = {
    "xclip": _Tool(
        read=("xclip", "-o", "-selection", "clipboard", "-t"),
        write=("xclip", "-i", "-selection", "clipboard"),
        picks_target=True,
    ),
    "xsel": _Tool(
        read=("xsel", "--clipboard", "--output"), write=("xsel", "--clipboard", "--input"), picks_target=False
    ),
}


def _find_tool() -> _Tool:
    for name, tool in _TOOLS.items():
        if shutil.which(name) is not None:
            return tool
    raise ConfigError(
        "pasting on X11 needs xclip or xsel to put the previous clipboard back "
        "(Debian package xclip: apt-get install xclip)"
    )


@dataclass(frozen=True)
class _Previous:
    """What the clipboard held before: its text (None: no text target) and what it offered."""

    text: str | None
    targets: tuple[str, ...]


def _paste_x11(text: str, press_paste: Callable[[], object], timeout: float) -> str:
    tool = _find_tool()
    with input_errors("opening the X clipboard"):
        owner = _Owner()
    try:
        with input_errors("taking the clipboard"):
            previous = owner.read_previous(tool)
            owner.take(text)
        try:
            press_paste()
            with input_errors("serving the paste"):
                owner.serve(timeout)
        except BaseException:
            # The paste failed: put the clipboard back, but never let that hide why.
            with contextlib.suppress(Exception):
                owner.give_back(previous, tool)
            raise
        with input_errors("restoring the clipboard"):
            note = owner.give_back(previous, tool)
    finally:
        owner.close()
    return f"pasted {len(text)} characters ({note})"


def _owner_id(owner: Any) -> int:
    # python-xlib gives a Window object for an owner, or the int X.NONE for none.
    return int(getattr(owner, "id", owner))


class _Owner:
    """Our side of the CLIPBOARD selection: one connection, one unmapped window."""

    def __init__(self) -> None:
        from Xlib import X, display  # python-xlib: pyautogui's own dependency on Linux

        self.display = display.Display()
        # A requestor may vanish before our answer lands (BadWindow): that is its loss,
        # not a reason to print a protocol error.
        self.display.set_error_handler(lambda *_: None)
        self.window = self.display.screen().root.create_window(
            0, 0, 1, 1, 0, X.CopyFromParent, event_mask=X.PropertyChangeMask
        )
        self.clipboard = self._atom("CLIPBOARD")
        self._prop = self._atom("MIMO_GUI_SELECTION")
        self.text: bytes = b""
        self.time = 0
        self.owned = False

    def _atom(self, name: str) -> int:
        return int(self.display.intern_atom(name))

    def _wait(self, match: Callable[[Any], bool], deadline: float) -> Any | None:
        """The first event ``match`` accepts before ``deadline``, or None; others are dropped."""
        while True:
            while self.display.pending_events():
                event = self.display.next_event()
                if match(event):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            select.select([self.display], [], [], left)

    def _server_time(self) -> int:
        # ICCCM §2.1: take ownership with a real timestamp, not CurrentTime. A zero-length
        # append to our own window brings a PropertyNotify carrying the server's time.
        from Xlib import X

        self.window.change_property(self._prop, self._atom("STRING"), 8, b"", mode=X.PropModeAppend)
        event = self._wait(
            lambda e: e.type == X.PropertyNotify and e.window.id == self.window.id,
            time.monotonic() + _READ_TIMEOUT,
        )
        if event is None:
            raise ActionFailed("the X server sent no timestamp for taking the clipboard")
        return int(event.time)

    def read_previous(self, tool: _Tool) -> _Previous | None:
        """The clipboard's text before we take it; None when nobody owned it."""
        if _owner_id(self.display.get_selection_owner(self.clipboard)) == _NONE:
            return None
        self.time = self._server_time()
        targets = self._targets()
        offered = [t for t in _TEXT_TARGETS if t in targets] if targets else ["UTF8_STRING"]
        if not offered:
            return _Previous(None, targets)
        command = (*tool.read, offered[0]) if tool.picks_target else tool.read
        try:
            done = subprocess.run(command, capture_output=True, timeout=_TOOL_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return _Previous(None, targets)
        if done.returncode != 0:
            return _Previous(None, targets)
        encoding = "latin-1" if offered[0] == "STRING" and tool.picks_target else "utf-8"
        # surrogateescape: bytes that are not UTF-8 go back exactly as they came.
        return _Previous(done.stdout.decode(encoding, errors="surrogateescape"), targets)

    def _targets(self) -> tuple[str, ...]:
        """The previous owner's TARGETS, by name; empty when it would not say."""
        from Xlib import X

        self.window.convert_selection(self.clipboard, self._atom("TARGETS"), self._prop, self.time)
        event = self._wait(
            lambda e: e.type == X.SelectionNotify and e.requestor.id == self.window.id,
            time.monotonic() + _READ_TIMEOUT,
        )
        if event is None or event.property == X.NONE:
            return ()
        reply = self.window.get_full_property(self._prop, X.AnyPropertyType)
        self.window.delete_property(self._prop)
        if reply is None or reply.format != 32:
            return ()
        return tuple(self.display.get_atom_name(int(atom)) for atom in reply.value)

    def take(self, text: str) -> None:
        """Own CLIPBOARD with ``text``; the text must fit one X request (no INCR transfers)."""
        data = text.encode("utf-8")
        limit = self.display.display.info.max_request_length * 4 - 64
        if len(data) > limit:
            raise ActionFailed(f"text of {len(data)} bytes is too long to paste at once (at most {limit})")
        self.text = data
        self.time = self._server_time()  # fresh: read_previous's may predate a newer owner
        self.window.set_selection_owner(self.clipboard, self.time)
        if _owner_id(self.display.get_selection_owner(self.clipboard)) != self.window.id:
            raise ActionFailed("could not take the X clipboard: another program holds on to it")
        self.owned = True

    def serve(self, timeout: float) -> None:
        """Answer SelectionRequests until one took the text in a text target."""
        from Xlib import X

        deadline = time.monotonic() + timeout
        event = self._wait(
            lambda e: e.type == X.SelectionClear or (e.type == X.SelectionRequest and self._answer(e)),
            deadline,
        )
        if event is None:
            raise ActionFailed(
                f"nothing took the paste within {timeout:g} s: the focused window never asked for "
                "the clipboard (is a text field focused?)"
            )
        if event.type == X.SelectionClear:
            self.owned = False
            raise ActionFailed("another program took the clipboard before the paste read it")

    def _answer(self, request: Any) -> bool:
        """Answer one SelectionRequest; True when it fetched the text."""
        from Xlib import X, Xatom
        from Xlib.protocol import event

        name = self.display.get_atom_name(request.target)
        prop = request.property if request.property != X.NONE else request.target  # ICCCM: obsolete clients
        took_text = False
        if request.selection != self.clipboard:
            prop = X.NONE
        elif name == "TARGETS":
            atoms = [self._atom(t) for t in ("TARGETS", "TIMESTAMP", *_TEXT_TARGETS)]
            request.requestor.change_property(prop, Xatom.ATOM, 32, atoms)
        elif name == "TIMESTAMP":
            request.requestor.change_property(prop, Xatom.INTEGER, 32, [self.time])
        elif name in _TEXT_TARGETS:
            data: bytes | None = self.text
            kind = "UTF8_STRING" if name == "TEXT" else name
            if name == "STRING":  # Latin-1 by definition; refuse rather than mangle
                try:
                    data = self.text.decode("utf-8").encode("latin-1")
                except UnicodeEncodeError:
                    data = None
            if data is None:
                prop = X.NONE
            else:
                request.requestor.change_property(prop, self._atom(kind), 8, data)
                took_text = True
        else:
            prop = X.NONE
        notify = event.SelectionNotify(
            time=request.time,
            requestor=request.requestor,
            selection=request.selection,
            target=request.target,
            property=prop,
        )
        request.requestor.send_event(notify)
        self.display.sync()
        return took_text

    def give_back(self, previous: _Previous | None, tool: _Tool) -> str:
        """Put ``previous`` back on the clipboard (or leave it unowned); says what it did."""
        if not self.owned or _owner_id(self.display.get_selection_owner(self.clipboard)) != self.window.id:
            return "the clipboard was taken by another program meanwhile; left to it"
        self.owned = False
        if previous is None or previous.text is None:
            self._disown()
            if previous is None:
                return "clipboard was empty; left empty"
            shown = ", ".join(previous.targets) or "nothing it would name"
            return f"the previous clipboard held no text ({shown}) and could not be restored"
        try:
            # start_new_session: the tool keeps serving after we exit and survives a Ctrl-C
            # sent to our process group. Its output goes nowhere: a pipe left open by the
            # forked server would keep run() waiting.
            done = subprocess.run(
                tool.write,
                input=previous.text.encode("utf-8", errors="surrogateescape"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=_TOOL_TIMEOUT,
                start_new_session=True,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._disown()
            return f"the previous clipboard could not be restored: {tool.write[0]}: {exc}"
        if done.returncode != 0:
            self._disown()
            return f"the previous clipboard could not be restored: {tool.write[0]} exited {done.returncode}"
        # The tool takes the selection in its forked child: wait until it really holds it,
        # so a read right after this returns the restored text, not ours.
        deadline = time.monotonic() + _READ_TIMEOUT
        while _owner_id(self.display.get_selection_owner(self.clipboard)) == self.window.id:
            if time.monotonic() > deadline:
                self._disown()
                return f"the previous clipboard could not be restored: {tool.write[0]} never took it"
            time.sleep(0.005)
        return "clipboard restored"

    def _disown(self) -> None:
        from Xlib.protocol import request

        request.SetSelectionOwner(
            display=self.display.display, window=_NONE, selection=self.clipboard, time=self.time
        )
        self.display.sync()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.display.close()


# -- macOS, Windows -------------------------------------------------------------------------


def _paste_pyperclip(text: str, press_paste: Callable[[], object]) -> str:
    try:
        import pyperclip
    except ImportError as exc:
        raise ConfigError("pasting text needs pyperclip: pip install 'mimo-gui[desktop]'") from exc
    with input_errors("reading the clipboard"):
        previous = pyperclip.paste()
        pyperclip.copy(text)
    try:
        press_paste()
        # No signal says when the target has read the clipboard: give it PASTE_WAIT.
        time.sleep(PASTE_WAIT)
    except BaseException:
        with contextlib.suppress(Exception):  # never hide why the paste failed
            pyperclip.copy(previous)
        raise
    with input_errors("restoring the clipboard"):
        pyperclip.copy(previous)
    # pyperclip reads text only: a clipboard that held none comes back empty.
    note = "clipboard restored" if previous else "the clipboard held no text before; left empty"
    return f"pasted {len(text)} characters ({note})"
