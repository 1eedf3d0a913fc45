"""``report.html``: a run folder as a page a person can read.

One section per step: the screenshot with the action's point marked (a link to the full
image), the page it was on (title and URL), the thought, the actions (coordinates rounded
to a tenth of a pixel), the safety policy's decision on each (the decision, the rule that
made it and its text, whether the user confirmed), what was under it, the error if any,
the raw answer and the prompt's text, and the timings; after the steps, the screen the last
action left. Actions are drawn by what came of them: executed ones plain, denied ones struck
through in red (a cross on the screenshot), asked-and-confirmed ones with an amber marker,
dry-run ones dashed. Secrets appear only as the ``${secret:NAME}`` placeholders the records
keep.

Screenshots are referenced as the run's own files, never inlined, and every text that can
grow (the raw answer, the messages, the thought, an action's text…) is cut at a bound with a
note, so a step's HTML stays under `STEP_HTML_LIMIT` bytes however long the model talked
(``steps.jsonl`` keeps everything whole). The page is rebuilt from ``run.json`` and
``steps.jsonl`` alone, so it can be made again at any time (``write_report``), also for a
run that was killed, and the same records always give the same bytes.
"""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from ..actions import Action, action_point
from .recorder import LoadedRun, load_run
from .records import ContextRecord, PolicyRecord, StepRecord
from .secrets import SECRET_PATTERN

__all__ = ["REPORT_FILE", "STEP_HTML_LIMIT", "action_text", "render_report", "write_report"]

REPORT_FILE = "report.html"

STEP_HTML_LIMIT = 10 * 1024
"""The most bytes (UTF-8) one step's section takes, besides its image files."""

# Bounds in bytes of escaped UTF-8 for each text a step shows; with the markup they add up to
# under `STEP_HTML_LIMIT` even when every one of them is reached (tests/agent/test_report.py).
_RAW = 1500
_MESSAGES = 1200
_THOUGHT = 1000
_ACTION = 240
_RULE = 160
_SHORT = 240
_ERROR = 400
_MAX_ACTIONS = 5
"""Actions (or policy decisions) drawn per step; the rest are counted in a note."""

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; } .meta td { padding: 0 1rem 0 0; } .meta td:first-child { color: #666; }
section { border-top: 1px solid #ddd; padding: 1rem 0; display: grid;
          grid-template-columns: 28rem 1fr; gap: 1.5rem; }
.shot { position: relative; } .shot img { width: 100%; border: 1px solid #ccc; display: block; }
.where { color: #666; overflow-wrap: anywhere; }
.mark { position: absolute; width: 18px; height: 18px; margin: -11px 0 0 -11px;
        border: 3px solid #ff2d55; border-radius: 50%; box-shadow: 0 0 0 2px #fff; }
.mark-asked { border-color: #e8a200; } .mark-dry_run { border-style: dashed; border-color: #555; }
.mark-denied { border: none; box-shadow: none; color: #d00; font: bold 24px/18px sans-serif;
               text-align: center; text-shadow: 0 0 3px #fff; }
.error { color: #b00020; }
pre { white-space: pre-wrap; background: #f6f6f8; padding: .5rem; margin: .3rem 0; overflow-wrap: anywhere; }
pre.denied { text-decoration: line-through; color: #b00020; background: #fdecee;
             border-left: 4px solid #d00; }
pre.asked { border-left: 4px solid #e8a200; background: #fff6e0; }
pre.dry_run { border: 2px dashed #888; background: #fff; }
.policy { margin: 0 0 .5rem; color: #444; } .policy-deny { color: #b00020; } .policy-ask { color: #8a5a00; }
.banner { background: #eef; border: 2px dashed #557; padding: .5rem 1rem; }
.secret { background: #e6e0f8; border-radius: 3px; } .cut { color: #666; font-style: italic; }
.status-finished { color: #0a7d32; } .status-failed, .status-error, .status-max_steps { color: #b00020; }
.status-interrupted, .status-asked_user { color: #a05a00; }
"""


def _rounded(value: Any) -> Any:
    """``value`` with every float rounded to a tenth (whole numbers shown without ``.0``)."""
    if isinstance(value, float):
        tenth = round(value, 1)
        return int(tenth) if tenth.is_integer() else tenth
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _settings_text(settings: dict[str, Any]) -> str:
    """Settings as words, ``key value`` pairs, nested ones in parentheses (never a Python dict)."""

    def value_text(value: Any) -> str:
        if isinstance(value, dict):
            return f"({_settings_text(value)})"
        if isinstance(value, list | tuple):
            if len(value) == 2 and all(isinstance(v, int | float) for v in value):  # a size
                return "×".join(str(v) for v in value)
            return ", ".join(value_text(v) for v in value)
        return str(_rounded(value))

    return ", ".join(f"{k} {value_text(v)}" for k, v in settings.items())


def action_text(action: Action) -> str:
    """An action as the report shows it: its JSON with defaults left out and every number
    rounded to a tenth (coordinates, and a wait's seconds too)."""
    shown = {"type": action.type} | _rounded(action.model_dump(mode="json", exclude_defaults=True))
    return json.dumps(shown, ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    """``text`` escaped for HTML, at most ``limit`` bytes of UTF-8 (plus a note when cut),
    with each ``${secret:NAME}`` placeholder marked (a cut never splits an escape)."""
    escaped = html.escape(text, quote=False)
    if len(escaped.encode()) <= limit:
        return _mark_secrets(escaped)
    kept, size = [], 0
    for char in text:
        piece = html.escape(char, quote=False)
        size += len(piece.encode())
        if size > limit:
            break
        kept.append(piece)
    return (
        _mark_secrets("".join(kept))
        + f'<span class="cut"> … cut at {limit} bytes of {len(text.encode())} (steps.jsonl has it all)</span>'
    )


def _mark_secrets(escaped: str) -> str:
    # The placeholder's characters ($ { } : letters, digits, _) pass html.escape unchanged.
    return SECRET_PATTERN.sub(lambda m: f'<span class="secret">{m.group(0)}</span>', escaped)


def _where(context: ContextRecord | None) -> str:
    where = context.where if context is not None else None
    return f'<p class="where">{_cut(where, _SHORT * 2)}</p>' if where else ""


def _shot(name: str, alt: str, marker: str = "") -> str:
    e = html.escape
    return f'<div class="shot"><a href="{e(name)}"><img src="{e(name)}" alt="{e(alt)}"></a>{marker}</div>'


def _drawn(step: StepRecord) -> list[tuple[Action, str, PolicyRecord | None]]:
    """Each action of the step with how it is drawn (``executed``, ``asked``, ``denied``,
    ``dry_run``) and its policy decision: the policy's list when it judged the step (a denied
    action is only there), else the executed actions."""
    if not step.policy:
        return [(a, "executed", None) for a in step.actions]
    drawn: list[tuple[Action, str, PolicyRecord | None]] = []
    for p in step.policy:
        look = "asked" if p.outcome == "executed" and p.decision == "ask" else p.outcome
        drawn.append((p.action, look, p))
    return drawn


def _marker(step: StepRecord, action: Action, look: str) -> str:
    point = action_point(action)
    frame = step.frame
    if point is None or frame is None:
        return ""
    # screen units -> the screenshot's physical pixels -> a share of its width and height
    x = (point.x - frame.origin_x) * frame.scale / frame.image_width * 100
    y = (point.y - frame.origin_y) * frame.scale / frame.image_height * 100
    classes = "mark" if look == "executed" else f"mark mark-{look}"
    cross = "×" if look == "denied" else ""
    return f'<div class="{classes}" style="left:{x:.3f}%;top:{y:.3f}%">{cross}</div>'


def _policy_line(p: PolicyRecord) -> str:
    confirmed = {None: "", True: ", confirmed by the user", False: ", not confirmed"}[p.confirmed]
    rule_text = f": {_cut(p.rule_text, _RULE)}" if p.rule_text else ""
    outcome = {"executed": "executed", "denied": "not executed", "dry_run": "not executed (dry run)"}
    return (
        f'<p class="policy policy-{p.decision}">policy <b>{p.decision}</b> by '
        f"<code>{_cut(p.rule, 60)}</code>{rule_text}{confirmed}; {outcome[p.outcome]}</p>"
    )


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary><pre>{body}</pre></details>"


def _step_html(step: StepRecord) -> str:
    drawn = _drawn(step)
    if not step.policy and step.action is not None:
        markers = _marker(step, step.action, "executed")
    else:
        markers = "".join(_marker(step, a, look) for a, look, _ in drawn[:_MAX_ACTIONS])
    shot = _shot(step.screenshot, f"step {step.index}", markers) if step.screenshot else "<div></div>"
    rows = [f"<h2>Step {step.index}</h2>", _where(step.context)]
    if step.instruction:
        rows.append(f"<p><b>{step.kind.capitalize()}.</b> {_cut(step.instruction, _SHORT)}</p>")
    if step.thought:
        rows.append(f"<p><b>Thought.</b> {_cut(step.thought, _THOUGHT)}</p>")
    for action, look, decision in drawn[:_MAX_ACTIONS]:
        rows.append(f'<pre class="action {look}">{_cut(action_text(action), _ACTION)}</pre>')
        if decision is not None:
            rows.append(_policy_line(decision))
    if len(drawn) > _MAX_ACTIONS:
        rows.append(f'<p class="cut">and {len(drawn) - _MAX_ACTIONS} more actions (in steps.jsonl)</p>')
    if step.output is not None:
        output = json.dumps(_rounded(step.output), ensure_ascii=False)
        rows.append(f"<p>Returned: {_cut(output, _SHORT)}</p>")
    if step.described:
        rows.append(f"<p>On: {_cut(step.described, _SHORT)}</p>")
    if step.result:
        rows.append(f"<p>{_cut(step.result, _SHORT)}</p>")
    if step.error is not None:
        fed = " (fed back to the model)" if step.error.fed_back else ""
        error = f"{step.error.kind}{fed}: {step.error.message}"
        rows.append(f'<p class="error">{_cut(error, _ERROR)}</p>')
    if step.raw is not None:
        rows.append(_details("Raw answer", _cut(step.raw, _RAW)))
    if step.messages:
        text = "\n\n".join(f"[{m.get('role', '')}] {m.get('text', '')}" for m in step.messages)
        rows.append(_details("Prompt", _cut(text, _MESSAGES)))
    timings = ", ".join(
        f"{k} {v * 1000:.0f} ms"
        for k, v in step.timings.model_dump().items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    )
    rows.append(f"<p><small>{_cut(timings, _SHORT)}</small></p>")
    return f"<section>{shot}<div>{''.join(rows)}</div></section>"


def _utc(seconds: Any) -> str:
    """A Unix time as UTC (the same text wherever the report is rebuilt); other values as they are."""
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        try:
            return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))
        except (OverflowError, OSError, ValueError):
            pass
    return str(seconds)


def _meta(run: LoadedRun) -> list[tuple[str, str]]:
    r = run.run
    meta = [
        ("task", r.task),
        ("status", f"{r.status}" + (f": {r.answer}" if r.answer else "")),
        ("model", f"{r.model} via {r.backend}, profile {r.profile.get('profile', '')}, think {r.think}"),
        ("env", _settings_text(r.env)),
    ]
    if r.dry_run:
        meta.append(("dry run", "yes: no action was executed"))
    if r.policy is not None:
        meta.append(("policy", _settings_text(r.policy) or "(no rules)"))
    resumed = getattr(r, "resumed_at", None)  # a field another part of the project may add
    if resumed:
        shown = ", ".join(map(_utc, resumed)) if isinstance(resumed, list) else _utc(resumed)
        meta.append(("resumed", shown))
    meta.append((
        "totals",
        f"{r.steps} steps, model {r.model_seconds:.1f} s, tokens {r.prompt_tokens} in / "
        f"{r.completion_tokens} out",
    ))  # fmt: skip
    return meta


def render_report(run: LoadedRun) -> str:
    """The report's HTML for a run read back (`load_run`)."""
    r = run.run
    e = html.escape
    table = "".join(f"<tr><td>{e(k)}</td><td>{_mark_secrets(e(v))}</td></tr>" for k, v in _meta(run))
    steps = "".join(_step_html(step) for step in run.steps)
    if r.final_screenshot:
        steps += (
            f"<section>{_shot(r.final_screenshot, 'after the last step')}<div><h2>After the last step</h2>"
            f"{_where(r.final_context)}</div></section>"
        )
    cut = "<p class='error'>The last step line was cut short (the process died while writing it).</p>"
    banner = (
        "<p class='banner'><b>Dry run</b>: the model was asked and every step recorded, and no "
        "action was executed.</p>"
        if r.dry_run
        else ""
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(r.task)}</title>"
        f"<style>{_STYLE}</style></head><body><h1 class='status-{e(r.status)}'>{e(r.task)}</h1>{banner}"
        f"<table class='meta'>{table}</table>{cut if run.truncated else ''}{steps}</body></html>"
    )


def write_report(folder: str | Path) -> Path:
    """Build ``report.html`` in a run folder from its records; returns its path."""
    path = Path(folder) / REPORT_FILE
    path.write_text(render_report(load_run(folder)), encoding="utf-8")
    return path
