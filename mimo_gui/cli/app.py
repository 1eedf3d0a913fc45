"""The ``mimo-gui`` parser and `main`: parse, run the command, turn errors into exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from ..actions import MimoGuiError
from ..agent.interrupts import interruption, sigterm_as_interrupt
from .calibrate import add_calibrate_parser
from .demo import add_demo_parser
from .eval import add_eval_parser
from .exits import EXIT_CODES_HELP, EXIT_INTERRUPTED, exit_code_for
from .ground import add_ground_parser
from .options import Parser, examples
from .replay import add_replay_parser
from .report import add_report_parser
from .run import add_run_parser
from .run_flow import add_run_flow_parser

__all__ = ["build_parser", "eval_main", "main", "package_version"]


def package_version() -> str:
    """The installed mimo-gui's version (``unknown`` when run from a bare source tree)."""
    try:
        return version("mimo-gui")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``ground``, ``run``, ``demo``, ``report``, ``eval`` and ``calibrate``."""
    parser = Parser(
        prog="mimo-gui",
        description="Let a vision-language model (MiMo-VL by default) operate real screens.",
        epilog=examples(
            "mimo-gui demo --backend scripted",
            'mimo-gui ground shot.png "the Save button" --base-url http://localhost:8000/v1',
            'mimo-gui run "log in as alice" --url http://localhost:5000 --base-url http://localhost:8000/v1',
            "mimo-gui calibrate --env desktop",
            "mimo-gui COMMAND --help",
        )
        + "\n\n"
        + EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"mimo-gui {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=Parser)
    add_ground_parser(sub)
    add_run_parser(sub)
    add_run_flow_parser(sub)
    add_demo_parser(sub)
    add_report_parser(sub)
    add_replay_parser(sub)
    add_eval_parser(sub)
    add_calibrate_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mimo-gui ARGV``; returns the exit code (see ``mimo-gui --help``).

    Errors print one line on stderr, never a traceback. Ctrl+C and SIGTERM end the command
    the same way: what it had done is recorded, and it exits 130.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error(
            "choose a command: ground, run, run-flow, replay, demo, report, eval or calibrate "
            "(see mimo-gui --help)"
        )
    command = " ".join(c for c in (args.command, getattr(args, "eval_command", None)) if c)
    try:
        with sigterm_as_interrupt():
            code: int = args.func(args)
        return code
    except MimoGuiError as error:
        print(f"mimo-gui {command}: error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt as stop:
        print(f"mimo-gui {command}: {interruption(stop)}", file=sys.stderr)
        if argv is None:  # the program itself, not a caller in the same process
            _leave_without_waiting_for_workers()
        return EXIT_INTERRUPTED


def _leave_without_waiting_for_workers(grace: float = 2.0) -> None:
    """Exit now if non-daemon threads would keep the interrupted process alive.

    The eval's own workers are daemon threads, but a request in flight may sit on a thread
    pool's (the openai backend's ``complete_many``), and Python joins those before it exits:
    up to ``--timeout`` after Ctrl+C, for answers the run has already stopped recording.
    Everything durable is written by now, so after a short grace the process ends without them.
    """
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(
        t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.current_thread()
    ):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)


def eval_main(argv: Sequence[str] | None = None) -> int:
    """``mimo-gui eval ARGV``: the same as going through ``mimo-gui`` itself."""
    return main(["eval", *(argv if argv is not None else sys.argv[1:])])
