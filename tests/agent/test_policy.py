"""The safety policy: its rules on real `Observation`-shaped contexts, its YAML file, and the
guarded path in the loop (on `ImageEnv`, which records what it executed)."""

from __future__ import annotations

import json
import threading

import pytest
from PIL import Image

from mimo_gui.actions import Click, Navigate, Point, Type
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.guard import ConfirmRequest
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.policy import Policy, PolicyContext, load_policy
from mimo_gui.agent.recorder import load_run
from mimo_gui.env_adapters.base import Observation
from mimo_gui.env_adapters.image import ImageEnv
from mimo_gui.errors import ConfigError

# The issue's own example, verbatim.
ISSUE_YAML = r"""default: allow
allow_hosts: ["127.0.0.1:8000", "*.example.com"]    # navigation anywhere else, by link, script or Navigate, is denied
rules:
  - {decision: ask,  action: click, target: "(?i)\\b(pay|buy|delete|send)\\b"}
  - {decision: deny, action: type,  text: "\\b(?:\\d[ -]?){13,16}\\b"}     # card numbers
  - {decision: deny, app: "com.android.settings"}
"""
FINISH = '{"action": "finished", "status": "success"}'
IMAGE = Image.new("RGB", (100, 100))


def click(x: int, y: int) -> str:
    return f'{{"action": "click", "start_point": [{x}, {y}]}}'


@pytest.fixture
def policy(tmp_path) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(ISSUE_YAML)
    return load_policy(path)


def context(obs: Observation, **more: str) -> PolicyContext:
    return PolicyContext(url=obs.url, title=obs.title, app=obs.app, **more)


def test_allow_hosts_judges_navigate_before_the_rules(policy: Policy) -> None:
    assert policy.decide(Navigate(url="https://evil.test/")).rule == "allow_hosts"
    assert policy.decide(Navigate(url="https://evil.test/")).decision == "deny"
    assert policy.decide(Navigate(url="http://127.0.0.1:8000/x")).decision == "allow"
    assert policy.decide(Navigate(url="http://127.0.0.1:9000/x")).decision == "deny"
    assert policy.decide(Navigate(url="https://shop.example.com/")).rule == "default"
    assert policy.decide(Navigate(url="https://example.com/")).rule == "allow_hosts"


def test_a_click_whose_target_mentions_buy_asks(policy: Policy) -> None:
    obs = Observation(IMAGE, url="http://127.0.0.1:8000/shop")
    verdict = policy.decide(Click(point=Point(x=1, y=1)), context(obs, described="Buy now"))
    assert (verdict.decision, verdict.rule) == ("ask", "rules[0]")
    assert (
        policy.decide(Click(point=Point(x=1, y=1)), context(obs, described="Buyer's guide")).rule == "default"
    )
    # the model's thought and the instruction count as the target too
    assert (
        policy.decide(Click(point=Point(x=1, y=1)), context(obs, thought="I will delete it")).decision
        == "ask"
    )


def test_typing_a_card_number_is_denied_also_when_it_hides_in_a_secret(policy: Policy) -> None:
    assert policy.decide(Type(text="4111 1111 1111 1111")).rule == "rules[1]"
    assert policy.decide(Type(text="hello")).rule == "default"
    placeholder = Type(text="${secret:CARD}")
    assert policy.decide(placeholder, PolicyContext(typed="4111111111111111")).decision == "deny"


def test_app_rule_on_an_android_context_and_title_on_a_desktop_context() -> None:
    p = Policy(rules=[{"decision": "deny", "title": "^Terminal"}], default="allow")
    desk = Observation(IMAGE, title="Terminal — bash")
    assert p.decide(Click(point=Point(x=1, y=1)), context(desk)).decision == "deny"
    assert (
        p.decide(Click(point=Point(x=1, y=1)), context(Observation(IMAGE, title="Editor"))).decision
        == "allow"
    )
    issue = Policy.model_validate(
        {"rules": [{"decision": "deny", "app": "com.android.settings"}], "default": "ask"}
    )
    phone = Observation(IMAGE, app="com.android.settings")
    assert issue.decide(Click(point=Point(x=1, y=1)), context(phone)).rule == "rules[0]"
    other = issue.decide(Click(point=Point(x=1, y=1)), context(Observation(IMAGE, app="com.android.chrome")))
    assert (other.decision, other.rule) == ("ask", "default")


def test_loose_action_names_and_regions() -> None:
    p = Policy(rules=[{"decision": "deny", "action": ["long-press", "Click"], "region": [0, 0, 10, 10]}])
    assert p.decide(Click(point=Point(x=5, y=5))).decision == "deny"
    assert p.decide(Click(point=Point(x=50, y=5))).decision == "allow"
    with pytest.raises(ConfigError, match=r"rules\[0\]: action 'tap' is not an action type"):
        Policy(rules=[{"decision": "deny", "action": "tap"}])


def test_a_bad_regex_names_its_rule() -> None:
    with pytest.raises(ConfigError, match=r"policy rules\[1\]: text '\(' is not a regular expression"):
        Policy(rules=[{"decision": "allow"}, {"decision": "deny", "text": "("}])


def test_a_bad_yaml_file_names_its_line(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("default: allow\nrules:\n  - {decision: ask}\n  - {decision: maybe, action: click}\n")
    with pytest.raises(ConfigError, match=r"p.yaml line 4: rules.1.decision") as info:
        load_policy(path)
    assert "\n" not in str(info.value)
    path.write_text("default: allow\nrules:\n  - {decision: deny, text: '['}\n")
    with pytest.raises(ConfigError, match=r"p.yaml line 3: policy rules\[0\]: text"):
        load_policy(path)
    path.write_text("default: allow\nrules: [\n")
    with pytest.raises(ConfigError, match=r"p.yaml line \d+: not valid YAML"):
        load_policy(path)


# -- the guarded path in the loop -------------------------------------------------------


def region_policy(decision: str) -> Policy:
    return Policy(rules=[{"decision": decision, "action": "click", "region": [0, 0, 500, 700]}])


def test_a_denied_click_is_not_executed_and_goes_back_to_the_model(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    backend = ScriptedBackend.from_answers([click(100, 100), click(900, 100), FINISH])
    result = Agent(env, backend, policy=region_policy("deny"), out=tmp_path / "run").run("t")
    assert result.status == "finished"
    assert [type(a) for a in env.executed] == [Click] and env.executed[0].point.x > 500
    steps = load_run(tmp_path / "run").steps
    assert steps[0].actions == [] and steps[0].error is not None
    assert steps[0].error.kind == "ActionDenied" and steps[0].error.fed_back
    assert [(p.rule, p.outcome) for p in steps[0].policy] == [("rules[0]", "denied")]
    assert "rules[0]" in steps[1].messages[-1]["text"]  # the next prompt says why
    assert [p.outcome for p in steps[1].policy] == ["executed"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["policy"]["rules"][0]["decision"] == "deny"


def test_a_model_that_insists_on_a_denied_action_fails_the_run() -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    backend = ScriptedBackend.from_answers([click(100, 100)] * 3)
    result = Agent(env, backend, policy=region_policy("deny"), max_retries=1).run("t")
    assert result.status == "failed" and env.executed == []


@pytest.mark.parametrize(("answer", "executed"), [(True, 1), (False, 0), (None, 0)])
def test_ask_goes_to_the_callback_and_fails_closed_without_one(answer: bool | None, executed: int) -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    asked: list[ConfirmRequest] = []

    def confirm(request: ConfirmRequest) -> bool:
        asked.append(request)
        return bool(answer)

    backend = ScriptedBackend.from_answers([click(100, 100), FINISH])
    agent = Agent(env, backend, policy=region_policy("ask"), confirm=None if answer is None else confirm)
    result = agent.run("t")
    assert len(env.executed) == executed
    record = result.steps[0].policy[0]
    assert record.decision == "ask" and record.confirmed == (answer if answer is not None else False)
    assert record.outcome == ("executed" if answer else "denied")
    assert len(asked) == (0 if answer is None else 1)
    if asked:
        assert asked[0].question == "allow click (rule rules[0])?"


def test_dry_run_records_and_executes_nothing(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    backend = ScriptedBackend.from_answers([click(100, 100), FINISH])
    policy = Policy()
    result = Agent(env, backend, policy=policy, dry_run=True, out=tmp_path / "run").run("t")
    assert result.status == "finished" and env.executed == []
    assert result.steps[0].policy[0].outcome == "dry_run" and "dry run" in (result.steps[0].result or "")
    assert load_run(tmp_path / "run").run.dry_run is True


def test_stop_from_another_thread_ends_the_run_after_the_current_step() -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    started = threading.Event()
    release = threading.Event()
    answers = iter([click(100, 100)] * 10)

    class Slow(ScriptedBackend):
        def complete(self, request):  # type: ignore[no-untyped-def]
            started.set()
            release.wait(5)
            return super().complete(request)

    backend = Slow.from_answers(list(answers))
    agent = Agent(env, backend, max_steps=10)
    box: list[object] = []
    worker = threading.Thread(target=lambda: box.append(agent.run("t")))
    worker.start()
    started.wait(5)
    agent.stop()
    release.set()
    worker.join(10)
    result = box[0]
    assert result.status == "interrupted" and "Agent.stop()" in (result.answer or "")  # type: ignore[attr-defined]
    assert len(result.steps) == 1 and len(env.executed) == 1  # type: ignore[attr-defined]


def test_an_unset_secret_in_the_task_is_refused_before_the_first_step(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_SECRET_H1", raising=False)
    env = ImageEnv(Image.new("RGB", (100, 100)))
    agent = Agent(env, ScriptedBackend.from_answers([FINISH]))
    with pytest.raises(ConfigError, match="NO_SUCH_SECRET_H1, which is not set"):
        agent.run("log in with ${secret:NO_SUCH_SECRET_H1}")
    assert env.executed == []
