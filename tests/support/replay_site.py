"""A small web app for the replay tests, and a run recorded on it by the real loop.

The page (640x400 CSS px) has a heading, a text field and an Add button that moves the
field's text into a list: a click, typing and a click change it step by step. Variants of
it differ in one thing each: ``heading.html`` in the heading (seen from step 1 on),
``focus.html`` in the colour of the focused field's outline (seen only from step 2 on,
after the click that focuses it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import LoadedRun, load_run

VIEWPORT = (640, 400)
TASK = "add milk to the shopping list"

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>List</title><style>
body {{ margin: 0; font: 16px sans-serif; background: #fff; color: #222; }}
h1 {{ position: absolute; left: 40px; top: 20px; margin: 0; font-size: 40px; }}
#item {{ position: absolute; left: 40px; top: 120px; width: 200px; height: 30px; font-size: 16px; }}
#item:focus {{ outline: 3px solid {outline}; }}
#add {{ position: absolute; left: 260px; top: 120px; width: 80px; height: 34px; }}
#list {{ position: absolute; left: 40px; top: 180px; margin: 0; }}
</style></head><body>
<h1>{heading}</h1><input id="item" autocomplete="off"><button id="add">Add</button><ul id="list"></ul>
<script>
document.getElementById("add").onclick = () => {{
  const item = document.getElementById("item");
  const li = document.createElement("li");
  li.textContent = item.value;
  document.getElementById("list").append(li);
  item.value = "";
}};
</script></body></html>
"""

PAGES = {
    "index.html": {"heading": "Shopping list", "outline": "#1a73e8"},
    "heading.html": {"heading": "Grocery basket", "outline": "#1a73e8"},
    "focus.html": {"heading": "Shopping list", "outline": "#e8501a"},
}

STATE_JS = """() => ({
  items: [...document.querySelectorAll('#list li')].map(li => li.textContent),
  value: document.getElementById('item').value,
  focused: document.activeElement ? document.activeElement.id || document.activeElement.tagName : null,
})"""
"""The page's state as JSON: the list, the field's text, and what has the focus."""

# Each answer in CSS px; the handler scales points to the image the model was sent.
_SCRIPT: list[dict[str, Any]] = [
    {"action": "click", "css": (140, 135)},
    {"action": "input", "text": "milk"},
    {"action": "click", "css": (300, 137)},
    {"action": "finished", "status": "success"},
]


def page_html(name: str) -> str:
    return _PAGE.format(**PAGES[name])


def write_site(folder: Path) -> Path:
    """Write every variant of the page into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        (folder / name).write_text(page_html(name), encoding="utf-8")
    return folder


def scripted_backend() -> ScriptedBackend:
    """The model: click the field, type ``milk``, click Add, finish."""
    answers = iter(_SCRIPT)

    def answer(request: CompletionRequest) -> str:
        step = dict(next(answers))
        if "css" in step:
            width, height = request.images()[-1].size
            x, y = step.pop("css")
            step["start_point"] = [round(x * width / VIEWPORT[0]), round(y * height / VIEWPORT[1])]
        return json.dumps(step)

    return ScriptedBackend(answer, model="scripted shopping list")


def record_run(url: str, out: Path, chromium: str) -> LoadedRun:
    """Record the task on ``url`` with the real loop in a fresh headless Chromium."""
    from mimo_gui.env_adapters.browser import BrowserEnv

    with BrowserEnv.launch(url, viewport=VIEWPORT, chromium=chromium) as env:
        result = Agent(env, scripted_backend(), out=out).run(TASK)
        state = env.page.evaluate(STATE_JS)
    assert result.status == "finished", result.steps[-1]
    assert state == {"items": ["milk"], "value": "", "focused": "add"}, state
    return load_run(out)
