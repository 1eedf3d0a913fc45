"""``report.html``: a run folder as a page a person can read.

One section per step: the screenshot with the executed point marked (a link to the full
image), the page it was on (title and URL), the thought, the action (coordinates rounded
to a tenth of a pixel), what was under it, the error if any, and the timings; after the
steps, the screen the last action left. Screenshots are referenced as the run's own
files, never inlined, so a long run's report stays small. The page is
rebuilt from ``run.json`` and ``steps.jsonl`` alone, so it can be made again at any time
(``write_report``), also for a run that was killed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ..actions import Action, action_point
from .recorder import LoadedRun, load_run
from .records import ContextRecord

__all__ = ["REPORT_FILE", "write_report"]

REPORT_FILE = "report.html"

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; } .meta td { padding: 0 1rem 0 0; } .meta td:first-child { color: #666; }
section { border-top: 1px solid #ddd; padding: 1rem 0; display: grid;
          grid-template-columns: 28rem 1fr; gap: 1.5rem; }
.shot { position: relative; } .shot img { width: 100%; border: 1px solid #ccc; display: block; }
.where { color: #666; overflow-wrap: anywhere; }
.mark { position: absolute; width: 18px; height: 18px; margin: -11px 0 0 -11px;
        border: 3px solid #ff2d55; border-radius: 50%; box-shadow: 0 0 0 2px #fff; }
.error { color: #b00020; }
pre { white-space: pre-wrap; background: #f6f6f8; padding: .5rem; margin: .3rem 0; }
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
            return "×".join(str(v) for v in value) if len(value) == 2 else ", ".join(map(str, value))
        return str(_rounded(value))

    return ", ".join(f"{k} {value_text(v)}" for k, v in settings.items())


def action_text(action: Action) -> str:
    """An action as the report shows it: its JSON with defaults left out and every number
    rounded to a tenth (coordinates, and a wait's seconds too)."""
    shown = {"type": action.type} | _rounded(action.model_dump(mode="json", exclude_defaults=True))
    return json.dumps(shown, ensure_ascii=False)


def _where(context: ContextRecord | None) -> str:
    where = context.where if context is not None else None
    return f'<p class="where">{html.escape(where)}</p>' if where else ""


def _shot(name: str, alt: str, marker: str = "") -> str:
    e = html.escape
    return f'<div class="shot"><a href="{e(name)}"><img src="{e(name)}" alt="{e(alt)}"></a>{marker}</div>'


def _step_html(run: LoadedRun, index: int) -> str:
    step = run.steps[index]
    e = html.escape
    marker = ""
    point = action_point(step.action)
    frame = step.frame
    if point is not None and frame is not None:
        # screen units -> the screenshot's physical pixels -> a share of its width and height
        x = (point.x - frame.origin_x) * frame.scale / frame.image_width * 100
        y = (point.y - frame.origin_y) * frame.scale / frame.image_height * 100
        marker = f'<div class="mark" style="left:{x:.3f}%;top:{y:.3f}%"></div>'
    shot = _shot(step.screenshot, f"step {step.index}", marker) if step.screenshot else "<div></div>"
    rows = [f"<h2>Step {step.index}</h2>", _where(step.context)]
    if step.thought:
        rows.append(f"<p><b>Thought.</b> {e(step.thought)}</p>")
    for action in step.actions:
        rows.append(f"<pre>{html.escape(action_text(action), quote=False)}</pre>")
    if step.described:
        rows.append(f"<p>On: {e(step.described)}</p>")
    if step.result:
        rows.append(f"<p>{e(step.result)}</p>")
    if step.error is not None:
        fed = " (fed back to the model)" if step.error.fed_back else ""
        rows.append(f'<p class="error">{e(step.error.kind)}{fed}: {e(step.error.message)}</p>')
    if step.raw is not None:
        rows.append(f"<details><summary>Raw answer</summary><pre>{e(step.raw)}</pre></details>")
    timings = ", ".join(
        f"{k} {v * 1000:.0f} ms" for k, v in step.timings.model_dump().items() if v is not None
    )
    rows.append(f"<p><small>{e(timings)}</small></p>")
    return f"<section>{shot}<div>{''.join(rows)}</div></section>"


def write_report(folder: str | Path) -> Path:
    """Build ``report.html`` in a run folder from its records; returns its path."""
    run = load_run(folder)
    r = run.run
    e = html.escape
    meta = [
        ("task", r.task),
        ("status", f"{r.status}" + (f": {r.answer}" if r.answer else "")),
        ("model", f"{r.model} via {r.backend}, profile {r.profile.get('profile', '')}, think {r.think}"),
        ("env", _settings_text(r.env)),
        ("totals", f"{r.steps} steps, model {r.model_seconds:.1f} s, tokens {r.prompt_tokens} in / "
                   f"{r.completion_tokens} out"),
    ]  # fmt: skip
    table = "".join(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in meta)
    steps = "".join(_step_html(run, i) for i in range(len(run.steps)))
    if r.final_screenshot:
        steps += (
            f"<section>{_shot(r.final_screenshot, 'after the last step')}<div><h2>After the last step</h2>"
            f"{_where(r.final_context)}</div></section>"
        )
    cut = "<p class='error'>The last step line was cut short (the process died while writing it).</p>"
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(r.task)}</title>"
        f"<style>{_STYLE}</style></head><body><h1 class='status-{e(r.status)}'>{e(r.task)}</h1>"
        f"<table class='meta'>{table}</table>{cut if run.truncated else ''}{steps}</body></html>"
    )
    path = Path(folder) / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return path
