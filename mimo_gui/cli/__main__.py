"""``python -m mimo_gui.cli``: the same as ``mimo-gui``."""

import sys

from .app import main

sys.exit(main())
