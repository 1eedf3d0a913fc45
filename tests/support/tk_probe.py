"""The Tk probe window (run as a program by `xserver.TkProbe`): logs every click, key and text change.

A borderless window at ``--geometry`` holding one text box. Clicks are logged in root
(screen) coordinates as X reports them, before Tk does anything with them, so the log is
where the pointer really was. ``stdin`` takes commands, one per line: ``clear`` empties the
text box, ``set TEXT`` puts TEXT on the clipboard as another program (Tk) owning it.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import tkinter as tk
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--geometry", required=True)
    parser.add_argument("--title", default="mimo-gui probe")
    args = parser.parse_args()
    log = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 - open for the program's life

    def write(event: str, **fields: Any) -> None:
        log.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        log.flush()

    root = tk.Tk()
    root.title(args.title)
    root.geometry(args.geometry)
    # No window manager runs on Xvfb: an override-redirect window sits exactly where asked.
    root.overrideredirect(True)
    text = tk.Text(root, font=("DejaVu Sans", 14), undo=False)
    text.pack(fill="both", expand=True)

    def on_press(e: tk.Event) -> None:  # type: ignore[type-arg]
        if e.num in (4, 5, 6, 7):
            # Tk 8.6 reports X's horizontal wheel buttons 6 and 7 as 4 and 5 with Shift held:
            # the state tells them apart.
            state = int(e.state) if isinstance(e.state, int) else 0
            write("wheel", button=e.num, x=e.x_root, y=e.y_root, state=state)
        else:
            write("press", x=e.x_root, y=e.y_root, button=e.num)

    def on_release(e: tk.Event) -> None:  # type: ignore[type-arg]
        if e.num not in (4, 5, 6, 7):
            write("release", x=e.x_root, y=e.y_root, button=e.num)

    def on_motion(e: tk.Event) -> None:  # type: ignore[type-arg]
        write("motion", x=e.x_root, y=e.y_root)

    def on_key(e: tk.Event) -> None:  # type: ignore[type-arg]
        write("key", keysym=e.keysym, char=e.char, state=int(e.state) if isinstance(e.state, int) else 0)

    def on_modified(_: tk.Event) -> None:  # type: ignore[type-arg]
        if text.edit_modified():
            write("text", text=text.get("1.0", "end-1c"))
            text.edit_modified(False)

    root.bind_all("<ButtonPress>", on_press, add="+")
    root.bind_all("<ButtonRelease>", on_release, add="+")
    root.bind_all("<B1-Motion>", on_motion, add="+")
    # On the text box itself, not bind_all: Tk's Text class binding ends Tab's handling
    # ("break") before the all-binding would see it; a widget binding runs first.
    text.bind("<KeyPress>", on_key, add="+")
    text.bind("<<Modified>>", on_modified)

    commands: queue.Queue[str] = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            commands.put(line.rstrip("\n"))

    threading.Thread(target=read_stdin, daemon=True).start()

    def poll() -> None:
        while not commands.empty():
            command = commands.get()
            if command == "clear":
                text.delete("1.0", "end")
                write("cleared")
            elif command.startswith("set "):
                root.clipboard_clear()
                root.clipboard_append(command[4:])
                write("clipboard_set", text=command[4:])
        root.after(20, poll)

    def ready() -> None:
        text.focus_force()
        write("ready", window=root.winfo_id(), geometry=root.winfo_geometry())

    root.after(20, poll)
    root.after(200, ready)
    root.mainloop()


if __name__ == "__main__":
    main()
