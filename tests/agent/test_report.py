"""report.html: built from the records, marks the executed point, escapes what the model said."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

from PIL import Image

from mimo_gui.actions import Click, Frame, Navigate, Type
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import LoadedRun, Recorder, load_run
from mimo_gui.agent.records import PolicyRecord, RunRecord, StepRecord
from mimo_gui.agent.report import STEP_HTML_LIMIT, render_report, write_report
from mimo_gui.env_adapters.base import Observation
from mimo_gui.env_adapters.image import ImageEnv


class PagesEnv(ImageEnv):
    """An image screen whose page changes with each click: page N after N clicks, N shades darker."""

    def observe(self) -> Observation:
        n = len(self.executed)
        image = Image.new("RGB", self.image.size, (250 - 40 * n, 250, 250))
        return Observation(image=image, url=f"http://app.test/page{n}", title=f"Page {n}")


def test_report_marks_each_click_where_it_landed(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    answers = [
        '<think>The <script>alert(1)</script> field</think>{"action": "click", "start_point": [252, 175]}',
        "gibberish",
        '{"action": "finished", "status": "success"}',
    ]
    result = Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "run").run("click <b>it</b>")
    page = (tmp_path / "run" / "report.html").read_text()
    assert result.trajectory is not None and (result.trajectory / "report.html").exists()
    # model (252, 175) in a 1008x700 image is screen (250, 175) of 1000x700: 25% and 25%
    assert re.findall(r'class="mark" style="left:([\d.]+)%;top:([\d.]+)%"', page) == [("25.000", "25.000")]
    assert page.count('<img src="step_') == 3 and all(
        (tmp_path / "run" / f"step_00{i}.png").exists() for i in (1, 2, 3)
    )
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;it&lt;/b&gt;" in page
    assert "ParseError (fed back to the model): no action or coordinates found" in page
    assert '{"type": "click", "point": {"x": 250, "y": 175}}' in page


def test_report_can_be_rebuilt_for_a_cut_run(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (280, 280)))
    Agent(
        env,
        ScriptedBackend.from_answers(['{"action": "click", "start_point": [1, 1]}'] * 2),
        max_steps=2,
        out=tmp_path / "r",
    ).run("t")
    steps = tmp_path / "r" / "steps.jsonl"
    steps.write_bytes(steps.read_bytes()[:-30])
    page = write_report(tmp_path / "r").read_text()
    assert "cut short" in page and page.count("<h2>Step") == 1


def test_report_command(tmp_path, capsys) -> None:
    from mimo_gui.cli import main

    env = ImageEnv(Image.new("RGB", (280, 280)))
    Agent(
        env, ScriptedBackend.from_answers(['{"action": "finished", "status": "success"}']), out=tmp_path / "r"
    ).run("t")
    (tmp_path / "r" / "report.html").unlink()
    assert main(["report", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "r" / "report.html")
    assert (tmp_path / "r" / "report.html").exists()
    assert main(["report", str(tmp_path)]) == 2
    assert "is not a run folder: it has no run.json" in capsys.readouterr().err


def test_a_three_step_run_has_four_screenshots_the_last_after_its_last_action(tmp_path) -> None:
    env = PagesEnv(Image.new("RGB", (1000, 700)))
    clicks = ['{"action": "click", "start_point": [100, 100]}'] * 3
    result = Agent(env, ScriptedBackend.from_answers(clicks), max_steps=3, out=tmp_path / "r").run("t")
    assert result.status == "max_steps" and len(env.executed) == 3
    shots = sorted(p.name for p in (tmp_path / "r").glob("*.png"))
    assert shots == ["final.png", "step_001.png", "step_002.png", "step_003.png"]
    loaded = load_run(tmp_path / "r")
    assert loaded.final_screenshot == tmp_path / "r" / "final.png"
    assert loaded.run.final_context is not None and loaded.run.final_context.url == "http://app.test/page3"
    assert Image.open(loaded.final_screenshot).getpixel((0, 0)) == (130, 250, 250)  # after the 3rd click
    assert json.loads((tmp_path / "r" / "run.json").read_text())["final_screenshot"] == "final.png"


def test_report_shows_each_page_links_full_images_and_rounds_coordinates(tmp_path) -> None:
    env = PagesEnv(Image.new("RGB", (1000, 700)))
    # model x 333 in the 1008-wide image is screen x 330.357…: shown as 330.4
    answers = [
        '{"action": "click", "start_point": [333, 100]}',
        '{"action": "finished", "status": "success"}',
    ]
    Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "r").run("t")
    assert env.executed == [Click.model_validate({"point": {"x": 1000 * 333 / 1008, "y": 100}})]
    page = (tmp_path / "r" / "report.html").read_text()
    assert re.findall(r'<a href="([^"]+)"><img src="([^"]+)"', page) == [
        ("step_001.png", "step_001.png"),
        ("step_002.png", "step_002.png"),
        ("final.png", "final.png"),
    ]
    assert re.findall(r'<p class="where">([^<]*)</p>', page) == [
        "Page 0 · http://app.test/page0",
        "Page 1 · http://app.test/page1",
        "Page 1 · http://app.test/page1",
    ]
    assert '{"type": "click", "point": {"x": 330.4, "y": 100}}' in page
    assert "After the last step" in page


def test_report_shows_env_settings_as_words_not_python_dicts(tmp_path) -> None:
    class SettledEnv(PagesEnv):
        def settings(self) -> dict[str, object]:
            return {"kind": "browser", "viewport": [1280, 800], "settle": {"timeout": 2.0, "pixels": False}}

    answers = ['{"action": "finished", "status": "success"}']
    Agent(
        SettledEnv(Image.new("RGB", (100, 100))), ScriptedBackend.from_answers(answers), out=tmp_path / "r"
    ).run("t")
    page = (tmp_path / "r" / "report.html").read_text()
    assert "kind browser, viewport 1280×800, settle (timeout 2, pixels False)" in page
    assert "{&#x27;" not in page and "{'" not in page


# -- the trust additions: policy decisions, denied/asked/dry-run drawing, secrets, the size bound --
# These runs are written with the Recorder from records built here (not by the loop), so the
# report is tested against the record format itself (agent/records.py), whoever fills it in.


class _Page(HTMLParser):
    """The parts of a report a person sees, read with the standard library's parser."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []  # each <section>'s whole HTML, by offsets into the page
        self.elements: list[tuple[str, dict[str, str], str]] = []  # (tag, attrs, text inside)
        self._open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append((tag, {k: v or "" for k, v in attrs}, []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, attrs, text = self._open.pop()
            self.elements.append((name, attrs, "".join(text)))
            if self._open:
                self._open[-1][2].extend(text)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)

    def with_class(self, tag: str, cls: str) -> list[str]:
        return [
            text
            for name, attrs, text in self.elements
            if name == tag and cls in attrs.get("class", "").split()
        ]


def _parsed(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


FRAME = Frame.fit(1000, 700, min_pixels=4 * 28 * 28, max_pixels=4096 * 28 * 28)


def _click(x: float, y: float) -> Click:
    return Click.model_validate({"point": {"x": x, "y": y}})


def _write_run(folder, run: RunRecord, steps: list[StepRecord]) -> None:
    recorder = Recorder(folder, run)
    for step in steps:
        if step.screenshot:
            recorder.save_screenshot(step.index, Image.new("RGB", (1000, 700), (200, 200, 200)))
        recorder.append(step)
    recorder.close()


def _step(index: int, **fields: object) -> StepRecord:
    return StepRecord.model_validate(
        {"index": index, "started_at": 1.0e9 + index, "screenshot": f"step_{index:03d}.png", "frame": FRAME}
        | fields
    )


def _policy_run(folder, *, dry_run: bool = False) -> None:
    deny_rule = "deny: {action: click, target: 'Delete*'}"
    steps = [
        _step(1, action=_click(500, 350), actions=[_click(500, 350)],
              policy=[PolicyRecord(action=_click(500, 350), decision="allow", rule="default", outcome="executed")]),
        _step(2, policy=[PolicyRecord(action=_click(250, 175), decision="deny", rule="rules[0]",
                                      rule_text=deny_rule, outcome="denied")],
              error={"kind": "ActionDenied", "message": "rules[0] denies this click", "fed_back": True}),
        _step(3, action=_click(750, 525), actions=[_click(750, 525)],
              policy=[PolicyRecord(action=_click(750, 525), decision="ask", rule="rules[1]",
                                   rule_text="ask: {action: click}", confirmed=True, outcome="executed")]),
        _step(4, policy=[PolicyRecord(action=_click(100, 70), decision="ask", rule="rules[1]",
                                      rule_text="ask: {action: click}", confirmed=False, outcome="denied")]),
        _step(5, policy=[PolicyRecord(action=Navigate(url="https://evil.example/"), decision="deny",
                                      rule="allow_hosts", outcome="denied")]),
    ]  # fmt: skip
    if dry_run:
        steps = [
            _step(
                1,
                policy=[
                    PolicyRecord(action=_click(500, 350), decision="allow", rule="default", outcome="dry_run")
                ],
            )
        ]
    run = RunRecord(
        task="delete nothing", started_at=1.0e9, dry_run=dry_run,
        policy={"allow_hosts": ["127.0.0.1:8000"], "rules": [deny_rule, "ask: {action: click}"], "default": "allow"},
    )  # fmt: skip
    _write_run(folder, run, steps)


def test_report_draws_denied_asked_and_executed_actions_apart_and_names_each_rule(tmp_path) -> None:
    _policy_run(tmp_path / "r")
    page = _parsed(write_report(tmp_path / "r").read_text())
    # the action boxes: one look per outcome (denied: struck through; asked and confirmed: amber)
    assert len(page.with_class("pre", "executed")) == 1
    assert page.with_class("pre", "executed")[0] == '{"type": "click", "point": {"x": 500, "y": 350}}'
    assert page.with_class("pre", "asked") == ['{"type": "click", "point": {"x": 750, "y": 525}}']
    assert page.with_class("pre", "denied") == [
        '{"type": "click", "point": {"x": 250, "y": 175}}',
        '{"type": "click", "point": {"x": 100, "y": 70}}',
        '{"type": "navigate", "url": "https://evil.example/"}',
    ]
    # the markers on the screenshots: a cross for a denied point, amber for an asked one
    marks = [
        (attrs["class"], attrs["style"], text)
        for tag, attrs, text in page.elements
        if tag == "div" and "mark" in attrs.get("class", "")
    ]
    assert marks == [
        ("mark", "left:50.000%;top:50.000%", ""),
        ("mark mark-denied", "left:25.000%;top:25.000%", "×"),
        ("mark mark-asked", "left:75.000%;top:75.000%", ""),
        ("mark mark-denied", "left:10.000%;top:10.000%", "×"),
    ]
    # one policy line per decision: the decision, the rule by name and as written, the confirmation
    assert page.with_class("p", "policy") == [
        "policy allow by default; executed",
        "policy deny by rules[0]: deny: {action: click, target: 'Delete*'}; not executed",
        "policy ask by rules[1]: ask: {action: click}, confirmed by the user; executed",
        "policy ask by rules[1]: ask: {action: click}, not confirmed; not executed",
        "policy deny by allow_hosts; not executed",
    ]
    assert len(page.with_class("p", "policy-deny")) == 2 and len(page.with_class("p", "policy-ask")) == 2
    meta = dict((k, v) for k, v in zip(*[iter(t for tag, _, t in page.elements if tag == "td")] * 2))
    assert meta["policy"] == (
        "allow_hosts 127.0.0.1:8000, rules deny: {action: click, target: 'Delete*'}, ask: {action: click}, "
        "default allow"
    )
    assert "dry run" not in meta and not page.with_class("p", "banner")


def test_a_dry_run_has_a_banner_and_dashed_actions(tmp_path) -> None:
    _policy_run(tmp_path / "r", dry_run=True)
    page = _parsed(write_report(tmp_path / "r").read_text())
    assert page.with_class("p", "banner") == [
        "Dry run: the model was asked and every step recorded, and no action was executed."
    ]
    assert page.with_class("pre", "dry_run") == ['{"type": "click", "point": {"x": 500, "y": 350}}']
    assert not page.with_class("pre", "executed")
    assert [a["class"] for tag, a, _ in page.elements if tag == "div" and "mark" in a.get("class", "")] == [
        "mark mark-dry_run"
    ]
    assert page.with_class("p", "policy") == ["policy allow by default; not executed (dry run)"]


def test_report_shows_secrets_as_their_placeholders_escaped(tmp_path) -> None:
    secret = "${secret:ACME_PASSWORD}"
    os.environ["ACME_PASSWORD"] = "hunter2-value"  # set, and it must still never appear
    try:
        typed = Type(text=f"<b>{secret}</b>")
        step = _step(
            1, action=typed, actions=[typed],
            messages=[{"role": "user", "text": f"Sign in with password {secret} <now>"}],
            raw=f'{{"action": "input", "text": "<b>{secret}</b>"}}',
        )  # fmt: skip
        _write_run(tmp_path / "r", RunRecord(task=f"log in with {secret}", started_at=1.0e9), [step])
        text = write_report(tmp_path / "r").read_text()
    finally:
        del os.environ["ACME_PASSWORD"]
    assert "hunter2-value" not in text
    marked = f'<span class="secret">{secret}</span>'
    assert f"&lt;b&gt;{marked}&lt;/b&gt;" in text  # in the Type action (and the raw answer)
    assert f"Sign in with password {marked} &lt;now&gt;" in text  # in the prompt's text
    assert text.count(marked) == 4  # the meta table's task, the action, the raw answer, the prompt
    assert (
        f"<title>log in with {secret}</title>" in text
        and f"<h1 class='status-running'>log in with {secret}</h1>" in text
    )
    page = _parsed(text)
    assert page.with_class("pre", "executed") == ['{"type": "type", "text": "<b>' + secret + '</b>"}']


def _section_sizes(text: str) -> list[int]:
    return [len(s.encode()) for s in re.findall(r"<section>.*?</section>", text)]


def test_a_step_stays_under_10_kb_however_long_the_model_talked(tmp_path) -> None:
    long_answer = ("<think>" + "why & <because> " * 6000 + "</think>" + '{"action": "click"} ' * 500)[
        :100_000
    ]
    many = [_click(i, i) for i in range(1, 12)]
    step = _step(
        1,
        thought="ü<&>" * 5000,
        raw=long_answer,
        reasoning="r" * 50_000,
        messages=[{"role": "system", "text": "<&> rules " * 1000}, {"role": "user", "text": "ß" * 10_000}],
        instruction="find " * 1000,
        output={"text": "x" * 5000},
        described="button " * 1000,
        result="ok " * 1000,
        context={"title": "T" * 3000, "url": "http://a.test/" + "p" * 3000},
        action=many[0],
        actions=many,
        policy=[PolicyRecord(action=Type(text="<" * 2000), decision="ask", rule="rules[0]",
                             rule_text="&" * 3000, confirmed=True, outcome="executed")] * 11,
        error={"kind": "ParseError", "message": "<bad> " * 3000, "fed_back": True},
    )  # fmt: skip
    _write_run(tmp_path / "r", RunRecord(task="t", started_at=1.0e9), [step])
    text = write_report(tmp_path / "r").read_text()
    (size,) = _section_sizes(text)
    assert 6_000 < size < STEP_HTML_LIMIT == 10 * 1024, size  # the bounds are reached, and hold
    page = _parsed(text)
    (raw,) = [t for tag, _, t in page.elements if tag == "details" and t.startswith("Raw answer")]
    assert raw.startswith("Raw answer<think>why & <because> why")  # the start, unescaped by the parser
    assert "cut at 1500 bytes of 100000 (steps.jsonl has it all)" in raw
    assert "and 6 more actions (in steps.jsonl)" in page.with_class("p", "cut")
    assert load_run(tmp_path / "r").steps[0].raw == long_answer  # the records keep it whole


def test_the_cli_rebuilds_the_report_the_run_wrote_byte_for_byte(tmp_path, capsys) -> None:
    from mimo_gui.cli import main

    env = PagesEnv(Image.new("RGB", (1000, 700)))
    answers = [
        '<think>First the field.</think>{"action": "click", "start_point": [333, 100]}',
        '{"action": "input", "text": "${secret:PW}"}',
        '{"action": "finished", "status": "success"}',
    ]
    Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "r").run("t")
    written = (tmp_path / "r" / "report.html").read_bytes()
    assert written.count(b"<section>") == 4
    (tmp_path / "r" / "report.html").unlink()
    assert main(["report", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    assert (tmp_path / "r" / "report.html").read_bytes() == written


def test_the_report_names_the_resumes_a_record_carries(tmp_path) -> None:
    _write_run(tmp_path / "r", RunRecord(task="t", started_at=1.0e9), [_step(1)])
    run_file = tmp_path / "r" / "run.json"
    run_file.write_text(json.dumps(json.loads(run_file.read_text()) | {"resumed_at": 1.7e9}))

    class Resumable(RunRecord):
        resumed_at: float | None = None

    loaded = load_run(tmp_path / "r")
    resumed = Resumable.model_validate(json.loads(run_file.read_text()))
    page = render_report(LoadedRun(loaded.folder, resumed, loaded.steps, loaded.truncated))
    assert "<td>resumed</td><td>2023-11-14 22:13:20 UTC</td>" in page
    assert "<td>resumed</td>" not in render_report(loaded)  # a record without the field: no row
