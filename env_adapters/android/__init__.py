"""The Android adapter: one device through an adb server, driven with adbutils.

One module per job, the shape of ``desktop/``:

- ``adb.py``: finding the server (arguments, ``ANDROID_ADB_SERVER_HOST``/``_PORT``,
  127.0.0.1:5037), choosing the device (``--serial``, ``ANDROID_SERIAL``, the only one
  attached), and running commands (``shell,v2:`` for exit codes, ``exec:`` for bytes);
- ``errors.py``: the one place adbutils' exceptions become ours;
- ``capture.py``: ``screencap -p`` over exec-out, checked to be a PNG, decoded to RGB;
- ``geometry.py``: parsing ``wm size``, ``wm density`` and the rotation;
- ``text.py``: what ``input text`` needs so the exact text arrives, and the ADB Keyboard
  broadcast for the rest;
- ``keys.py``: key names to ``KEYCODE_*``;
- ``apps.py``: packages, choosing one by name, launching it, the app in front;
- ``ui.py``: the labelled node under a point, from ``uiautomator dump``;
- ``env.py``: `AndroidEnv`, the adapter itself.

adbutils is imported only when an `AndroidEnv` connects; importing this package costs nothing.
"""

from .env import ANDROID_SETTLE, AndroidEnv

__all__ = ["ANDROID_SETTLE", "AndroidEnv"]
