"""The desktop adapter: one monitor of a real desktop, captured with mss, driven with pyautogui.

One module per job, the shape of ``browser/``:

- ``display.py``: finding the X display (no display, Wayland without XWayland, a server
  that refuses us: one clear line each) and importing pyautogui only once it works;
- ``monitors.py``: mss's monitors, choosing one (``--monitor N``), the scale factor
  (detected, or ``--scale``) and the units of each platform;
- ``capture.py``: mss grabs of that monitor, as raw bytes to compare and as RGB images;
- ``pointer.py``: click, move, drag and scroll through pyautogui, and its fail-safe;
- ``keyboard.py``, ``clipboard.py``: hotkeys and typing (paste for what keys cannot type);
- ``windows.py``: the focused window's title;
- ``env.py``: `DesktopEnv`, the adapter itself;
- ``errors.py``: the one place pyautogui's and Xlib's exceptions become ours.

pyautogui connects to the display when imported, so it is imported only when a
`DesktopEnv` is built (`display.load_pyautogui`); importing this package costs nothing.
"""

from .env import DESKTOP_SETTLE, DesktopEnv
from .monitors import Monitor, check_scale, choose_monitor, scale_from_sizes

__all__ = ["DESKTOP_SETTLE", "DesktopEnv", "Monitor", "check_scale", "choose_monitor", "scale_from_sizes"]
