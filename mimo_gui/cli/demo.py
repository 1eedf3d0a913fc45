"""``mimo-gui demo``: the agent on the bundled demo app, with a real model or the scripted one."""

from __future__ import annotations

import argparse
import sys

from ..actions.errors import ModelNotFoundError
from ..agent.backends.base import Backend
from .exits import EXIT_FAILED
from .options import Parser, add_model_options, build_backend, examples, open_browser, resolve_profile
from .run import add_run_options, check_run_options, run_task

__all__ = ["SCRIPTED_DEMO_LABEL", "add_demo_parser"]

SCRIPTED_DEMO_LABEL = "scripted demo model (reads the page layout from the demo server; not an AI model)"


def add_demo_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``demo``."""
    p = sub.add_parser(
        "demo",
        help="run the agent on the bundled demo app in headless Chromium",
        description="Start the bundled demo app (a sign-in page) and let the agent sign in as alice. "
        "With --backend scripted a built-in stand-in plays the model (no GPU, no server); with "
        "--answers FILE your own answers are played instead; otherwise a real model does it.",
        epilog=examples(
            "mimo-gui demo --backend scripted",
            "mimo-gui demo --base-url http://localhost:8000/v1",
            "mimo-gui demo --answers my-answers.json",
        ),
    )
    add_model_options(p, answers_help="a JSON list of answers to play on the demo app instead of a model")
    add_run_options(p)
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from ..agent.backends.scripted import ScriptedBackend
    from ..demo.scripted_model import DEFAULT_PASSWORD, DemoModel
    from ..demo.server import DemoServer

    task = f"Sign in to Acme Console as alice with the password {DEFAULT_PASSWORD}"
    check_run_options(args, "demo")
    profile = resolve_profile(args)
    with DemoServer() as server:
        print(f"demo app: {server.url}", file=sys.stderr)
        if args.backend == "scripted" and args.answers is None:
            backend: Backend = ScriptedBackend(DemoModel(server.url), model=SCRIPTED_DEMO_LABEL)
            print(f"backend: {SCRIPTED_DEMO_LABEL}", file=sys.stderr)
        else:
            try:
                backend = build_backend(args)  # --answers: the user's answers, played on the demo app
            except ModelNotFoundError as exc:
                hint = "or watch the loop with no model at all: mimo-gui demo --backend scripted"
                raise ModelNotFoundError(f"{exc}; {hint}", model=exc.model) from exc
        try:
            with open_browser(args, server.url) as env:
                code = run_task(args, task, env, backend, profile)
        finally:
            backend.close()
        logins = server.logins()
        if any(login.username == "alice" and login.password == DEFAULT_PASSWORD for login in logins):
            print("the demo app recorded the sign-in as alice: the loop worked end to end", file=sys.stderr)
        else:
            print(f"the demo app recorded no correct sign-in (attempts: {len(logins)})", file=sys.stderr)
            code = code or EXIT_FAILED
    return code
