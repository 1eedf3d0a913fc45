"""Calibration: prove the screenshot -> Frame -> model pixels -> screen -> input mapping on a real screen.

- ``targets.py``: the target model pixels (a 3×3 grid and the four corners) and their colours;
- ``markers.py``: finding each marker's colour in a screenshot (pure, Pillow only);
- ``boards.py``: the surfaces that draw markers and report where input landed
  (`BrowserBoard` a page on the tab, `DesktopBoard` a window over the monitor);
- ``window.py``: the desktop board's Tk window, run as its own program;
- ``runner.py``: `calibrate`, the measurement itself;
- ``table.py``: the printed report.

Nothing here imports Playwright, pyautogui or tkinter until a board is built.
"""

from .boards import Board, BrowserBoard, DesktopBoard, Marker
from .markers import Found, find_markers
from .runner import MARKER_HALF, CalibrationResult, Measured, TargetResult, calibrate
from .table import render_table
from .targets import MARKER_COLOURS, Target, choose_targets

__all__ = [
    "MARKER_COLOURS",
    "MARKER_HALF",
    "Board",
    "BrowserBoard",
    "CalibrationResult",
    "DesktopBoard",
    "Found",
    "Marker",
    "Measured",
    "Target",
    "TargetResult",
    "calibrate",
    "choose_targets",
    "find_markers",
    "render_table",
]
