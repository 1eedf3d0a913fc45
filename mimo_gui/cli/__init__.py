"""The ``mimo-gui`` command line: one module per command, what they share in one place.

    app.py             the parser and `main` (errors → one line and an exit code)
    exits.py           the exit codes and which error gets which
    options.py         shared flags; building the profile, backend and browser from them
    paths.py           output paths checked before anything starts
    progress.py        what is printed while a run or an eval works
    ground.py, run.py, run_flow.py, replay.py, demo.py, report.py, calibrate.py   one command each
    eval.py, eval_grounding.py, eval_compare.py, eval_synth.py   ``mimo-gui eval …``

Exit codes, for every command: 0 done; 1 failed (the model's answer was unusable, the task
failed or ran out of steps); 2 usage, configuration or connection error; 3 the model asked
for the user; 130 interrupted. Errors print one line to stderr, never a traceback.
"""

from __future__ import annotations

from .app import build_parser, eval_main, main
from .exits import EXIT_ASKED_USER, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exit_code_for

__all__ = [
    "EXIT_ASKED_USER",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "eval_main",
    "exit_code_for",
    "main",
]
