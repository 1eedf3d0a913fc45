"""The ``mimo-gui`` command line.

Exit codes, for every subcommand: 0 done; 1 failed (the model's answer was unusable, the
task failed or ran out of steps); 2 usage, configuration or connection error; 3 the model
asked for the user. Errors print one line to stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from .actions import Action, ConfigError, EnvError, MimoGuiError, Navigate, ParseError
from .actions.errors import BackendError, CoordinateError, ModelNotFoundError
from .agent.backends.base import Backend
from .agent.backends.factory import BACKEND_KINDS, choose_backend_kind, create_backend
from .agent.backends.scripted import ScriptedBackend
from .agent.records import StepRecord
from .env_adapters.base import Env
from .env_adapters.image import ImageEnv
from .prompts import PROFILES, Profile, get_profile

if TYPE_CHECKING:
    from .agent.loop import RunResult

__all__ = ["EXIT_ASKED_USER", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ASKED_USER = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _env_bool(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The flags every model-driven subcommand shares."""
    p.add_argument(
        "--backend", choices=BACKEND_KINDS, help="default: openai with a base URL, else transformers"
    )
    p.add_argument(
        "--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1 (env MIMO_GUI_BASE_URL)"
    )
    p.add_argument("--api-key", help="API key, if the server wants one (env MIMO_GUI_API_KEY)")
    p.add_argument("--model", help="model name or hub id (env MIMO_GUI_MODEL)")
    p.add_argument(
        "--profile", help=f"model family: {', '.join(PROFILES)} (env MIMO_GUI_PROFILE; default mimo-vl)"
    )
    p.add_argument(
        "--think",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reasoning on/off (env MIMO_GUI_THINK)",
    )
    p.add_argument("--min-pixels", type=int, help="smallest image area the model is shown")
    p.add_argument("--max-pixels", type=int, help="largest image area the model is shown")
    p.add_argument("--max-tokens", type=int, help="most tokens the model may answer with")
    p.add_argument("--timeout", type=float, help="seconds to wait for each model answer")
    p.add_argument(
        "--image-format",
        choices=("png", "jpeg", "webp"),
        help="how screenshots travel to a server (default jpeg q90 4:4:4; png: lossless, slower to encode)",
    )
    p.add_argument("--answers", type=Path, help="scripted backend: a JSON list of answers to play in order")


def resolve_profile(args: argparse.Namespace) -> Profile:
    profile = get_profile(args.profile or os.environ.get("MIMO_GUI_PROFILE") or None)
    changes = {
        k: v for k, v in (("min_pixels", args.min_pixels), ("max_pixels", args.max_pixels)) if v is not None
    }
    if changes:
        for key, value in changes.items():
            if value <= 0:
                raise ConfigError(f"--{key.replace('_', '-')} must be positive, got {value}")
        profile = replace(profile, **changes)
        if profile.min_pixels > profile.max_pixels:
            raise ConfigError(f"--min-pixels {profile.min_pixels} exceeds --max-pixels {profile.max_pixels}")
    return profile


def resolve_think(args: argparse.Namespace) -> bool | None:
    return args.think if args.think is not None else _env_bool("MIMO_GUI_THINK")


def scripted_from_file(path: Path) -> ScriptedBackend:
    """A scripted backend playing the answers in ``path`` (a JSON list of strings)."""
    try:
        answers = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"answers file {str(path)!r} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"answers file {str(path)!r} is not JSON: {exc}") from None
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ConfigError(f"answers file {str(path)!r} must hold a JSON list of strings")
    return ScriptedBackend.from_answers(answers, model=f"scripted:{path.name}")


def build_backend(args: argparse.Namespace) -> Backend:
    if args.backend == "scripted" or (args.backend is None and args.answers is not None):
        if args.answers is None:
            raise ConfigError("--backend scripted needs --answers FILE (a JSON list of answers)")
        return scripted_from_file(args.answers)
    if choose_backend_kind(args.backend, args.base_url) == "transformers":
        from .agent.backends.transformers import DEFAULT_MODEL

        model = args.model or os.environ.get("MIMO_GUI_MODEL") or DEFAULT_MODEL
        # Loading (or first downloading) a 7B model takes a while: say what is happening.
        print(
            f"loading {model} on this machine with transformers (--base-url uses a served model)",
            file=sys.stderr,
        )
    return create_backend(
        args.backend,
        base_url=args.base_url,
        api_key=args.api_key,
        model=args.model,
        timeout=args.timeout,
        image_format=args.image_format,
    )


# -- ground -------------------------------------------------------------------------


def _cmd_ground(args: argparse.Namespace) -> int:
    from .agent.annotate import annotate
    from .agent.grounding import ground

    image = ImageEnv(args.image).observe().image
    if not args.instruction.strip():
        raise ConfigError("the instruction is empty")
    profile = resolve_profile(args)
    backend = build_backend(args)
    try:
        result = ground(
            image,
            args.instruction,
            backend,
            profile,
            think=resolve_think(args),
            lang=args.lang,
            max_tokens=args.max_tokens,
        )
    finally:
        backend.close()
    print(json.dumps(result.to_json(), ensure_ascii=False))
    if args.annotate is not None:
        annotate(image, result.point, result.box).save(args.annotate)
    return EXIT_OK


def _ground_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("ground", help="find where an instruction points on a screenshot")
    p.add_argument("image", type=Path, help="the screenshot (PNG, JPEG, …)")
    p.add_argument("instruction", help='what to find, e.g. "the Save button"')
    add_model_options(p)
    p.add_argument(
        "--lang", choices=("en", "cn"), default="en", help="prompt language (mimo-vl: Xiaomi's cn prompt)"
    )
    p.add_argument(
        "--annotate", type=Path, metavar="OUT.png", help="also save the screenshot with the point drawn"
    )
    p.set_defaults(func=_cmd_ground)


# -- run and demo ------------------------------------------------------------------------


def _viewport(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"viewport sides must be positive, got {text!r}")
    return w, h


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The flags of every subcommand that drives a screen."""
    p.add_argument("--max-steps", type=int, default=20, help="most model calls in the run (default 20)")
    p.add_argument(
        "--viewport", type=_viewport, default=(1280, 800), metavar="WxH", help="browser viewport in CSS px"
    )
    p.add_argument(
        "--device-scale-factor", type=float, default=1.0, metavar="F", help="browser device scale factor"
    )
    p.add_argument("--headed", action="store_true", help="show the browser window")
    p.add_argument("--chromium", help="Chromium executable (env MIMO_GUI_CHROMIUM; default: found on PATH)")
    p.add_argument(
        "--cdp-url", help="attach to a running Chromium at this DevTools URL instead of launching one"
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="the run folder (default runs/<time>-<task>/)")


class Progress:
    """Prints each step as it happens, on stderr: the step, the action, what was under it, the time."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.started = time.perf_counter()

    def __call__(self, step: StepRecord) -> None:
        if step.error is not None:
            what = f"{step.error.kind}: {step.error.message}"
        elif step.actions:
            what = "; ".join(describe_action(a) for a in step.actions)
        else:
            what = "(no action)"
        under = f"  on {step.described!r}" if step.described else ""
        model_s = step.timings.model or 0.0
        total = time.perf_counter() - self.started
        line = f"step {step.index:>2}  {what}{under}  [model {model_s:.1f}s, total {total:.1f}s]"
        print(line, file=self.stream)
        if step.thought:
            thought = " ".join(step.thought.split())
            print(f"         thought: {thought[:200]}{'…' if len(thought) > 200 else ''}", file=self.stream)
        self.stream.flush()


def describe_action(action: Action) -> str:
    """A short human line for an action."""
    data = action.model_dump(mode="json", exclude_defaults=True)
    kind = data.pop("type", action.type)
    parts = []
    for key, value in data.items():
        if isinstance(value, dict) and "x" in value:
            parts.append(f"({value['x']:.0f}, {value['y']:.0f})")
        else:
            parts.append(f"{key}={value!r}")
    return f"{kind} {' '.join(parts)}".strip()


def open_browser(args: argparse.Namespace, url: str | None) -> Env:
    from .env_adapters.browser import BrowserEnv

    if args.cdp_url:
        env = BrowserEnv.connect(args.cdp_url)
        if url:
            env.execute(Navigate(url=url))
        return env
    return BrowserEnv.launch(
        url,
        viewport=args.viewport,
        device_scale_factor=args.device_scale_factor,
        headless=not args.headed,
        chromium=args.chromium,
    )


def run_task(args: argparse.Namespace, task: str, env: Env, backend: Backend, profile: Profile) -> int:
    """Run the agent and report; the exit code follows how the run ended."""
    from .agent.loop import Agent

    if args.max_steps < 1:
        raise ConfigError(f"--max-steps must be at least 1, got {args.max_steps}")
    agent = Agent(
        env,
        backend,
        profile,
        think=resolve_think(args),
        max_steps=args.max_steps,
        out=args.out,
        runs_dir=None if args.out else Path("runs"),
        on_step=Progress(),
        max_tokens=args.max_tokens,
    )
    print(
        f"task: {task}\nmodel: {backend.model} via {backend.name}, profile {agent.profile.name}",
        file=sys.stderr,
    )
    result = agent.run(task)
    summary = {"status": result.status, "answer": result.answer, "steps": len(result.steps)}
    summary["trajectory"] = str(result.trajectory) if result.trajectory else None
    print(json.dumps(summary, ensure_ascii=False))
    said = f": {result.answer}" if result.answer else ""
    where = f"; trajectory in {result.trajectory}" if result.trajectory else ""
    steps = f"{len(result.steps)} step" + ("" if len(result.steps) == 1 else "s")
    print(f"{result.status} after {steps}{said}{where}", file=sys.stderr)
    return {"finished": EXIT_OK, "asked_user": EXIT_ASKED_USER}.get(
        result.status, EXIT_USAGE if result.status == "error" and _is_connection(result) else EXIT_FAILED
    )


def _is_connection(result: RunResult) -> bool:
    last = result.steps[-1].error if result.steps else None
    return last is not None and last.kind in {
        "BackendUnreachable",
        "BackendTimeout",
        "BackendRejected",
        "BadResponse",
    }


def _cmd_run(args: argparse.Namespace) -> int:
    if not args.task.strip():
        raise ConfigError("the task is empty")
    profile = resolve_profile(args)  # a bad profile fails before anything starts
    backend = build_backend(args)
    try:
        with open_browser(args, args.url) as env:
            return run_task(args, args.task, env, backend, profile)
    finally:
        backend.close()


def _run_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("run", help="let the model carry out a task on a screen")
    p.add_argument("task", help='what to do, e.g. "log in as alice"')
    p.add_argument("--env", choices=("browser",), default="browser", help="the screen to drive")
    p.add_argument("--url", help="the page to start on (browser)")
    add_model_options(p)
    add_run_options(p)
    p.set_defaults(func=_cmd_run)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo.scripted_model import DEFAULT_PASSWORD, DemoModel
    from .demo.server import DemoServer

    task = f"Sign in to Acme Console as alice with the password {DEFAULT_PASSWORD}"
    profile = resolve_profile(args)
    with DemoServer() as server:
        print(f"demo app: {server.url}", file=sys.stderr)
        if args.backend == "scripted":
            backend: Backend = ScriptedBackend(DemoModel(server.url), model=SCRIPTED_DEMO_LABEL)
            print(f"backend: {SCRIPTED_DEMO_LABEL}", file=sys.stderr)
        else:
            try:
                backend = build_backend(args)
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


SCRIPTED_DEMO_LABEL = "scripted demo model (reads the page layout from the demo server; not an AI model)"


def _demo_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("demo", help="run the agent on the bundled demo app in headless Chromium")
    add_model_options(p)
    add_run_options(p)
    p.set_defaults(func=_cmd_demo)


def _cmd_report(args: argparse.Namespace) -> int:
    from .agent.report import write_report

    print(write_report(args.run))
    return EXIT_OK


def _report_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("report", help="(re)build report.html for a run folder")
    p.add_argument("run", type=Path, help="the run folder (holds run.json and steps.jsonl)")
    p.set_defaults(func=_cmd_report)


# -- main -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mimo-gui", description="Let a vision-language model operate real screens.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _ground_parser(sub)
    _run_parser(sub)
    _demo_parser(sub)
    _report_parser(sub)
    from .eval.cli import add_eval_parser  # here, not at the top: eval.cli imports this module

    add_eval_parser(sub)
    return parser


def exit_code_for(error: MimoGuiError) -> int:
    """The exit code an error ends the command with."""
    if isinstance(error, ParseError | CoordinateError | EnvError):
        return EXIT_FAILED
    if isinstance(error, ConfigError | BackendError):
        return EXIT_USAGE
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = " ".join(c for c in (args.command, getattr(args, "eval_command", None)) if c)
    try:
        code: int = args.func(args)
        return code
    except MimoGuiError as error:
        print(f"mimo-gui {command}: error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        print(f"mimo-gui {command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
