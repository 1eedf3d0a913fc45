"""The desktop board's window (run as a program by `DesktopBoard`): markers, and where clicks land.

A borderless (override-redirect) Tk window covering one monitor exactly, grey, with a
caption. It talks JSON lines. On stdin:

* ``{"cmd": "show", "markers": [{"x": X, "y": Y, "half": H, "colour": [R, G, B]}, ...]}``:
  clear the markers and draw each as a solid square of ``2H`` pixels centred on the whole
  X pixel nearest to ``(X, Y)`` (root coordinates): pixels ``p - H .. p + H - 1``, so its
  centre in continuous coordinates is exactly ``p``. A marker that would not fit inside
  the window is not drawn.

On stdout:

* ``{"event": "ready", "geometry": [left, top, width, height]}`` once the window is mapped,
  where the window really is;
* ``{"event": "shown", "drawn": [[x, y] | null, ...]}``: the centres really drawn, after the
  drawing has been flushed to the X server;
* ``{"event": "press", "x": X, "y": Y, "button": B}``: every ButtonPress, in root
  coordinates as X reports them (``x_root``, ``y_root``), before Tk does anything with it.

It exits when stdin closes, so it never outlives the process that started it. It imports
nothing of mimo-gui's: it runs as a plain file, with or without the package installed.
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import sys
import threading
import tkinter as tk
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--geometry", required=True, help="WIDTHxHEIGHT+LEFT+TOP in X pixels")
    parser.add_argument("--caption", default="", help="the line shown above the middle")
    args = parser.parse_args()
    size, _, rest = args.geometry.partition("+")
    width, height = (int(v) for v in size.split("x"))
    left, top = (int(v) for v in rest.split("+"))

    def say(event: str, **fields: Any) -> None:
        sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
        sys.stdout.flush()

    root = tk.Tk()
    root.title("mimo-gui calibrate")
    root.geometry(f"{width}x{height}+{left}+{top}")
    # No window manager decorates or moves an override-redirect window: it sits exactly
    # on the monitor, and above the windows a compositor stacks normally.
    root.overrideredirect(True)
    root.attributes("-topmost", True)
    canvas = tk.Canvas(
        root,
        width=width,
        height=height,
        bg="#808080",
        highlightthickness=0,
        borderwidth=0,
        cursor="crosshair",
    )
    canvas.place(x=0, y=0, width=width, height=height)
    canvas.create_text(
        width // 2, round(height * 0.35), text=args.caption, fill="#ffffff", font=("TkDefaultFont", 14)
    )

    def on_press(e: tk.Event) -> None:
        say("press", x=e.x_root, y=e.y_root, button=e.num)

    root.bind_all("<ButtonPress>", on_press, add="+")

    def show(markers: list[dict[str, Any]]) -> None:
        canvas.delete("marker")
        drawn: list[list[int] | None] = []
        for m in markers:
            half = int(m["half"])
            # The nearest whole X pixel (half up, as math.floor(v + 0.5) rounds, not to even).
            px, py = math.floor(float(m["x"]) + 0.5), math.floor(float(m["y"]) + 0.5)
            x0, y0 = px - half - left, py - half - top
            if x0 < 0 or y0 < 0 or x0 + 2 * half > width or y0 + 2 * half > height:
                drawn.append(None)
                continue
            colour = "#{:02x}{:02x}{:02x}".format(*m["colour"])
            # Tk fills a rectangle without outline from (x0, y0) up to, not including, (x1, y1).
            canvas.create_rectangle(
                x0, y0, x0 + 2 * half, y0 + 2 * half, fill=colour, outline="", width=0, tags="marker"
            )
            drawn.append([px, py])
        root.update_idletasks()
        root.update()
        say("shown", drawn=drawn)

    commands: queue.Queue[str | None] = queue.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            commands.put(line)
        commands.put(None)  # stdin closed: the parent is gone or done

    threading.Thread(target=read_stdin, daemon=True).start()

    def poll() -> None:
        while not commands.empty():
            line = commands.get()
            if line is None:
                root.destroy()
                return
            if not line.strip():
                continue
            command = json.loads(line)
            if command.get("cmd") == "show":
                show(command["markers"])
            elif command.get("cmd") == "quit":
                root.destroy()
                return
        root.after(10, poll)

    root.update_idletasks()
    root.deiconify()
    root.wait_visibility(canvas)
    root.lift()
    root.update()
    say("ready", geometry=[root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height()])
    root.after(10, poll)
    root.mainloop()


if __name__ == "__main__":
    main()
