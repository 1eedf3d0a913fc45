"""Issue 11, items 6, 7 and 9: what ``--help``, ``--version`` and a usage mistake print.

Every command is found by walking the parser, so a command added later without a
description or an example fails here too.
"""

from __future__ import annotations

import argparse
from importlib.metadata import version

import pytest

from mimo_gui.cli import build_parser
from tests.cli.cli_support import chromium_tripwire, mimo_gui, one_line_error


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(commands(sub, (*prefix, name)))
    return found


ALL = commands(build_parser())


def test_the_walk_finds_every_command() -> None:
    assert set(ALL) >= {("ground",), ("run",), ("demo",), ("report",), ("eval",), ("calibrate",), ("run-flow",), ("replay",), ("eval", "grounding"),
                        ("eval", "compare"), ("eval", "synth")}  # fmt: skip


@pytest.mark.parametrize("command", ALL, ids=" ".join)
def test_each_command_has_a_description_and_an_example(command) -> None:
    out = mimo_gui(*command, "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    usage, _, rest = text.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert usage.startswith(f"usage: mimo-gui {' '.join(command)}")
    assert len(description.split()) >= 8 and not description.startswith(("options:", "positional")), text
    examples = text.split("\nexamples:\n", 1)[1].splitlines()
    assert examples and all(line.startswith("  mimo-gui ") for line in examples if line.strip()), text
    assert any(line.startswith(f"  mimo-gui {' '.join(command)} ") for line in examples), text


def test_the_top_level_help_lists_the_exit_codes() -> None:
    text = mimo_gui("--help").stdout
    codes = text.split("\nexit codes:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in codes] == ["0", "1", "2", "3", "130"]


def test_version_is_the_installed_packages() -> None:
    out = mimo_gui("--version")
    assert (out.returncode, out.stdout.strip()) == (0, f"mimo-gui {version('mimo-gui')}")


def test_eval_alone_lists_its_subcommands() -> None:
    out = mimo_gui("eval")
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "mimo-gui eval: error: choose what to evaluate: grounding, compare, synth (see mimo-gui eval --help)"
    )


def test_no_command_lists_the_commands() -> None:
    out = mimo_gui()
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "mimo-gui: error: choose a command: ground, run, run-flow, replay, demo, report, eval or calibrate (see mimo-gui --help)"
    )


def test_a_usage_mistake_is_one_line() -> None:
    out = mimo_gui("eval", "grounding", "--format", "jsonl")
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "mimo-gui eval grounding: error: the following arguments are required: --data "
        "(see mimo-gui eval grounding --help)"
    )


@pytest.mark.parametrize(
    "command",
    [["run", "t", "--url", "about:blank"], ["demo"], ["eval", "synth", "--url", "about:blank", "--out", "x"]],
    ids=["run", "demo", "eval synth"],
)
@pytest.mark.parametrize("size", ["100000x100000", "1280x20000", "50x800"])
def test_an_absurd_viewport_is_refused_before_chromium_starts(tmp_path, command, size) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    out = mimo_gui(
        *command, "--viewport", size, "--backend", "scripted", env={"MIMO_GUI_CHROMIUM": str(chromium)}
    )
    assert out.returncode == 2
    line = one_line_error(out.stderr, " ".join(command[:2] if command[0] == "eval" else command[:1]))
    assert (
        f"argument --viewport: viewport {size} is out of range: each side must be 100 to 10000 CSS px" in line
    )
    assert not started.exists()
