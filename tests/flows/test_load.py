"""Reading flow files: every step kind in both forms, and each broken file naming its line and step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.flows import FlowError, parse_flow
from mimo_gui.flows.model import (
    Act,
    Ask,
    Navigate,
    Press,
    Query,
    ScrollTo,
    Statement,
    Target,
    TypeText,
    WaitUntil,
)
from mimo_gui.flows.schema_file import schema_text, shipped_schema_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

EVERY_KIND = """\
env:
  browser: {url: "${app}/", viewport: 1280x800}
model: {backend: openai, base_url: "http://127.0.0.1:8001/v1", name: XiaomiMiMo/MiMo-VL-7B-RL-2508, think: false}
vars: {app: "http://127.0.0.1:8000", user: alice}
steps:
  - click: the Username field
  - click: {description: the Sign in button, refine: true}
  - double_click: a word
  - right_click: {description: the file}
  - hover: the menu
  - type: "${user}"
  - type: {text: "${secret:PASSWORD}", into: the Password field, clear: true, enter: true}
  - press: enter
  - press: {keys: ctrl+a}
  - scroll: down
  - scroll: {direction: up, at: the list, amount: 300}
  - assert: the page greets ${user}
  - assert: {statement: it is dark}
  - wait_until: the table shows
  - wait_until: {statement: "the table shows", timeout: 3, interval: 0.25}
  - navigate: "${app}/welcome"
  - navigate: {url: "https://example.com"}
  - ask: {question: "Who is signed in?", as: who}
  - query: {question: "How many reports are listed?", schema: {count: int}, as: report_count, retries: 2}
  - act: open the newest report for ${who}
  - act: {instruction: "open report ${report_count.count}", max_steps: 5}
"""


def test_every_step_kind_in_both_forms() -> None:
    flow = parse_flow(EVERY_KIND, "every.yaml", {"user": "bob"})
    assert flow.env.browser is not None and flow.env.browser.url == "http://127.0.0.1:8000/"
    assert flow.model is not None and (flow.model.name, flow.model.think) == (
        "XiaomiMiMo/MiMo-VL-7B-RL-2508",
        False,
    )
    assert flow.variables == {"app": "http://127.0.0.1:8000", "user": "bob"}  # --var beats vars:
    got = [(s.index, s.line, s.kind, s.options) for s in flow.steps]
    assert got == [
        (1, 6, "click", Target(description="the Username field")),
        (2, 7, "click", Target(description="the Sign in button", refine=True)),
        (3, 8, "double_click", Target(description="a word")),
        (4, 9, "right_click", Target(description="the file")),
        (5, 10, "hover", Target(description="the menu")),
        (6, 11, "type", TypeText(text="${user}")),
        (7, 12, "type", TypeText(text="${secret:PASSWORD}", into="the Password field", clear=True, enter=True)),
        (8, 13, "press", Press(keys="enter")),
        (9, 14, "press", Press(keys="ctrl+a")),
        (10, 15, "scroll", ScrollTo(direction="down")),
        (11, 16, "scroll", ScrollTo(direction="up", at="the list", amount=300)),
        (12, 17, "assert", Statement(statement="the page greets ${user}")),
        (13, 18, "assert", Statement(statement="it is dark")),
        (14, 19, "wait_until", WaitUntil(statement="the table shows")),
        (15, 20, "wait_until", WaitUntil(statement="the table shows", timeout=3, interval=0.25)),
        (16, 21, "navigate", Navigate(url="${app}/welcome")),
        (17, 22, "navigate", Navigate(url="https://example.com")),
        (18, 23, "ask", Ask(question="Who is signed in?", name="who")),
        (19, 24, "query", Query(question="How many reports are listed?", schema={"count": "int"}, name="report_count", retries=2)),
        (20, 25, "act", Act(instruction="open the newest report for ${who}")),
        (21, 26, "act", Act(instruction="open report ${report_count.count}", max_steps=5)),
    ]  # fmt: skip
    answer = flow.steps[18].answer_model
    assert answer is not None and answer.model_validate({"count": 3}).count == 3  # type: ignore[attr-defined]


def test_desktop_and_android_env_blocks() -> None:
    desktop = parse_flow("env: {desktop: {monitor: 2, scale: 2}}\nsteps: [{press: enter}]\n")
    assert (
        desktop.env.kind == "desktop" and desktop.env.desktop is not None and desktop.env.desktop.monitor == 2
    )
    android = parse_flow("env: {android: {serial: emulator-5554}}\nsteps: [{press: home}]\n")
    assert android.env.kind == "android" and android.env.android is not None
    assert android.env.android.serial == "emulator-5554"


def broken(text: str, given: dict[str, str] | None = None) -> FlowError:
    with pytest.raises(FlowError) as caught:
        parse_flow(text, "flow.yaml", given)
    assert isinstance(caught.value, ConfigError)  # exit 2 through the CLI
    return caught.value


HEAD = "env:\n  browser: {url: 'http://x/'}\nsteps:\n  - click: the Username field\n"  # the step is line 4


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("  - type: {text: [unclosed\n",
         "flow.yaml line 6: not valid YAML: while parsing a flow sequence expected ',' or ']', but got '<stream end>'"),
        ("  - clik: the button\n",
         "flow.yaml line 5, step 2 (clik): unknown step kind 'clik': known kinds are click, double_click, "
         "right_click, hover, type, press, scroll, assert, wait_until, navigate, ask, query, act"),
        ("  - type:\n      into: the field\n", "flow.yaml line 6, step 2 (type): missing field 'text'"),
        ("  - query: {question: q, as: n, schema: {count: integer}}\n",
         "flow.yaml line 5, step 2 (query): schema: unknown type 'integer': use str, int, float, bool, list[T], "
         "T | None, a nested map, or [T]"),
        ("  - query:\n      question: q\n      as: n\n      schema:\n        items:\n          - {name: str, size: flaot}\n",
         "flow.yaml line 10, step 2 (query): schema: unknown type 'flaot': use str, int, float, bool, list[T], "
         "T | None, a nested map, or [T]"),
        ("  - click: '${secret:PASSWORD}'\n",
         "flow.yaml line 5, step 2 (click): ${secret:PASSWORD} may only appear in the text of a type step, not in description"),
        ("  - type: {text: hi, into: '${secret:PASSWORD}'}\n",
         "flow.yaml line 5, step 2 (type): ${secret:PASSWORD} may only appear in the text of a type step, not in into"),
        ("  - assert: the page greets ${usr}\n",
         "flow.yaml line 5, step 2 (assert): unknown variable 'usr' in ${usr}: give --var usr=..., declare it "
         "under vars:, or name an earlier step's result with as:"),
        ("  - type: {text: hi, int: the field}\n",
         "flow.yaml line 5, step 2 (type): unknown field 'int' (known: text, into, clear, enter)"),
        ("  - scroll: sideways\n",
         "flow.yaml line 5, step 2 (scroll): direction: Input should be 'up', 'down', 'left' or 'right'"),
        ("  - ask: Who is it?\n", "flow.yaml line 5, step 2 (ask): ask needs a map: {question: ..., as: NAME}"),
        ("  - click: x\n    type: y\n", "flow.yaml line 5, step 2: a step is a map with one key, its kind (it has click, type)"),
        ("  - wait_until: {statement: s, timeout: -1}\n",
         "flow.yaml line 5, step 2 (wait_until): timeout: Input should be greater than 0"),
    ],
    ids=["yaml-syntax", "unknown-kind", "missing-field", "schema-type", "nested-schema-type", "secret-in-click",
         "secret-in-into", "unknown-variable", "extra-key", "bad-literal", "ask-shorthand", "two-keys", "bad-number"],
)  # fmt: skip
def test_a_broken_step_names_its_line_and_step(tail: str, message: str) -> None:
    assert str(broken(HEAD + tail)) == message


def test_a_result_is_known_only_after_its_step() -> None:
    error = broken(
        HEAD + "  - assert: there are ${n.count}\n  - query: {question: q, schema: {count: int}, as: n}\n"
    )
    assert str(error).startswith("flow.yaml line 5, step 2 (assert): unknown variable 'n'")
    assert (error.line, error.step) == (5, 2)


def test_a_result_name_cannot_shadow_a_variable() -> None:
    error = broken(HEAD + "  - ask: {question: q, as: user}\n", {"user": "alice"})
    assert str(error) == "flow.yaml line 5, step 2 (ask): as: user is already a variable"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "flow.yaml is empty: a flow needs env: and steps:"),
        ("steps: [{click: x}]\n", "flow.yaml line 1: the flow names no env: (browser, desktop or android)"),
        ("env: {browser: {}, desktop: {}}\nsteps: [{click: x}]\n",
         "flow.yaml line 1: env: name exactly one of browser, desktop, android (found: browser, desktop)"),
        ("env: {browser: {viewport: big}}\nsteps: [{click: x}]\n",
         "flow.yaml line 1: env: browser.viewport: String should match pattern '^\\d+x\\d+$'"),
        ("env: {browser: {url: '${app}'}}\nsteps: [{click: x}]\n", "flow.yaml line 1: env: unknown variable 'app' in ${app}"),
        ("env: {browser: {}}\nmodel: {name: m, key: k}\nsteps: [{click: x}]\n", "flow.yaml line 2: model: unknown field 'key'"),
        ("env: {browser: {}}\nsteps: []\n", "flow.yaml line 2: steps: is a list of one or more steps"),
        ("env: {browser: {}}\nstep: [{click: x}]\n", "flow.yaml line 2: unknown key 'step': a flow has env, model, vars, steps"),
        ("env: {browser: {}}\nenv: {desktop: {}}\nsteps: [{click: x}]\n", "flow.yaml line 2: 'env' is given twice"),
        ("env: {desktop: {}}\nsteps:\n  - navigate: http://x/\n", "flow.yaml line 3, step 1 (navigate): navigate needs env browser, not desktop"),
        ("env: {browser: {}}\nvars: {pw: '${secret:P}'}\nsteps: [{click: x}]\n",
         "flow.yaml line 2: a ${secret:...} may only appear in the text of a type step"),
    ],
    ids=["empty", "no-env", "two-envs", "viewport", "env-variable", "model-extra", "no-steps", "top-key", "duplicate",
         "navigate-desktop", "secret-in-vars"],
)  # fmt: skip
def test_a_broken_file_names_its_line(text: str, message: str) -> None:
    assert str(broken(text)) == message


def test_the_shipped_json_schema_is_the_models() -> None:
    assert shipped_schema_text() == schema_text(), "run: python -m mimo_gui.flows.schema_file"


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_each_example_validates_against_the_json_schema(example: Path) -> None:
    import yaml

    data = yaml.safe_load(example.read_text())
    schema = json.loads(shipped_schema_text())
    try:
        import jsonschema
    except ImportError:  # the models are the schema's source
        from mimo_gui.flows import FlowFile

        FlowFile.model_validate(data)
    else:
        jsonschema.validate(data, schema)
        with pytest.raises(jsonschema.ValidationError):  # the schema refuses what the loader refuses
            jsonschema.validate({**data, "steps": [{"clik": "x"}]}, schema)
    parse_flow(example.read_text(), example.name)  # and the loader takes it
