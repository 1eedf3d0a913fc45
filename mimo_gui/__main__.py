"""``python -m mimo_gui``: the same as ``mimo-gui``."""

import sys

from .cli import main

sys.exit(main())
