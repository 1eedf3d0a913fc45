"""The text a failed agent test's report carries: where its trajectory is, and the failed step."""

from __future__ import annotations

from pathlib import Path

__all__ = ["failure_text"]


def failure_text(folder: Path) -> str:
    """The trajectory folder, its ``report.html``, and the last step with its screenshot."""
    from ..actions.errors import MimoGuiError
    from ..agent.recorder import load_run

    lines = [f"trajectory: {folder}", f"report: {folder / 'report.html'}"]
    try:
        steps = load_run(folder).steps
    except (MimoGuiError, OSError) as exc:
        return "\n".join([*lines, f"(steps unreadable: {exc})"])
    if steps:
        last = steps[-1]
        lines.append(f"failed step {last.index} ({last.kind}): {last.instruction or ''}")
        if last.error is not None:
            lines.append(f"error: {last.error.kind}: {last.error.message}")
        if last.screenshot:
            lines.append(f"screenshot: {folder / last.screenshot}")
    return "\n".join(lines)
