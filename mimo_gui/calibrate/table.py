"""The printed calibration report: the geometry found, one row per target, a verdict, a hint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .runner import NO_PRESS, NOT_SEEN, CalibrationResult, TargetResult

__all__ = ["hints", "render_table"]

SCALE_SLACK = 0.02
"""How far (relative) the markers' measured scale may be from the frame's before it is
named as the likely cause: a centroid is good to half a physical pixel."""


def render_table(result: CalibrationResult) -> str:
    """The report as text: header, table, summary line, and hints when it failed."""
    lines = _header(result)
    lines.append("")
    lines += _rows(result)
    lines.append("")
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"{verdict}: {result.within} of {len(result.targets)} targets landed within "
        f"{result.tolerance:g} {result.unit} of their marker on each axis"
    )
    lines += [f"hint: {h}" for h in hints(result)]
    return "\n".join(lines)


def hints(result: CalibrationResult) -> list[str]:
    """What most likely went wrong, when something did: a scale, an origin, an obstruction."""
    if result.passed:
        return []
    out: list[str] = []
    frame, measured, s = result.frame, result.measured, result.settings
    if measured is not None:
        sx, sy = measured.scale
        if max(abs(sx / frame.scale - 1), abs(sy / frame.scale - 1)) > SCALE_SLACK:
            got = f"{sx:.3g}" if abs(sx - sy) < 0.01 * max(sx, sy) else f"{sx:.3g} x {sy:.3g}"
            out.append(
                f"the markers measure {got} physical px per {result.unit}, the mapping used "
                f"{frame.scale:.3g} ({_scale_source(result)}): {_scale_advice(result)}"
            )
        else:
            ox, oy = measured.origin
            if abs(ox - frame.origin_x) > result.tolerance or abs(oy - frame.origin_y) > result.tolerance:
                out.append(
                    f"the markers put the screenshot's top-left at ({ox:.1f}, {oy:.1f}), the mapping used "
                    f"({frame.origin_x:g}, {frame.origin_y:g}): a wrong monitor origin"
                )
    unseen = [t for t in result.targets if t.problem == NOT_SEEN]
    silent = [t for t in result.targets if t.problem is not None and t.problem.startswith(NO_PRESS)]
    if unseen:
        out.append(
            f"{len(unseen)} marker(s) drawn but not in the screenshot: is another window covering the "
            "board, or is this monitor not the one captured?"
        )
    if silent:
        out.append(f"{len(silent)} click(s) never reached the board: did something take the pointer?")
    if not out and s.get("kind") == "desktop" and s.get("scale_source") == "override":
        out.append(f"--scale {s.get('scale')} overrides the detected {s.get('detected_scale')}")
    return out


def _scale_source(result: CalibrationResult) -> str:
    s = result.settings
    if s.get("kind") == "desktop":
        return "--scale" if s.get("scale_source") == "override" else "detected"
    if s.get("kind") == "browser":
        dsf = s.get("device_scale_factor")
        if isinstance(dsf, int | float) and dsf != result.frame.scale:
            return f"the observation's; the browser's device scale factor is {dsf:g}"
        return "the browser's device scale factor"
    return "the env's"


def _scale_advice(result: CalibrationResult) -> str:
    s = result.settings
    if s.get("kind") == "desktop":
        detected = s.get("detected_scale")
        if s.get("scale_source") == "override":
            return (
                f"a wrong --scale? detected {detected:g}, used {s.get('scale'):g}"
                if isinstance(detected, int | float)
                else "a wrong --scale?"
            )
        return "the detected scale is wrong here: try --scale with the measured value"
    if s.get("kind") == "browser":
        return "the observation's scale is not the page's device pixel ratio"
    return "a wrong scale"


def _header(result: CalibrationResult) -> list[str]:
    f, s = result.frame, result.settings
    lines = [f"mimo-gui calibrate: {result.platform}, profile {result.profile}"]
    if s.get("kind") == "desktop":
        monitors = s.get("monitors") or []
        geometry = s.get("monitor_geometry")
        display = s.get("display")
        where = (
            f"monitor {s.get('monitor')} of {len(monitors)}" if monitors else f"monitor {s.get('monitor')}"
        )
        if geometry:
            left, top, width, height = geometry
            where += f": {width}x{height} at ({left}, {top})"
        lines.append(f"  {where}" + (f" on display {display}" if display else ""))
    elif s.get("kind") == "browser":
        viewport = s.get("viewport")
        vp = f"{viewport[0]}x{viewport[1]} CSS px" if viewport else "unknown"
        lines.append(f"  viewport {vp}, device scale factor {s.get('device_scale_factor'):g}")
    source = _scale_source(result)
    if s.get("kind") == "desktop" and s.get("scale_source") == "override":
        source += (
            f"; detected {s.get('detected_scale'):g}"
            if isinstance(s.get("detected_scale"), int | float)
            else ""
        )
    lines.append(
        f"  screenshot {f.image_width}x{f.image_height} physical px; scale {f.scale:.4g} ({source}); "
        f"origin ({f.origin_x:g}, {f.origin_y:g})"
    )
    padded = "" if f.mode == "resize" else f", content {f.content_width}x{f.content_height} ({f.mode})"
    lines.append(f"  model image {f.model_width}x{f.model_height}{padded}")
    if result.measured is not None:
        (sx, sy), (ox, oy) = result.measured.scale, result.measured.origin
        lines.append(
            f"  the markers measure: scale {sx:.3f} x {sy:.3f}, origin ({ox:.1f}, {oy:.1f}) "
            "(errors in physical px use this scale)"
        )
    return lines


def _rows(result: CalibrationResult) -> list[str]:
    unit, scale = result.unit, result.physical_scale
    head = [
        "#",
        "model px",
        "answered",
        f"target ({unit})",
        "landed",
        f"error ({unit})",
        "error (phys px)",
        "",
    ]
    body = [_row(t, scale, result.tolerance) for t in result.targets]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [head, *body]]
    return out


def _row(t: TargetResult, scale: tuple[float, float], tolerance: float) -> list[str]:
    error = t.error
    status = "ok" if t.ok(tolerance) else "FAIL" + (f": {t.problem}" if t.problem else "")
    return [
        str(t.target.index),
        _pair(t.target.model, "{:d}"),
        _pair(t.answer, "{:d}"),
        _pair(t.drawn if t.drawn is not None else t.intended, "{:.1f}"),
        _pair(t.landed, "{:.1f}"),
        _pair(error, "{:+.1f}"),
        _pair(None if error is None else (error[0] * scale[0], error[1] * scale[1]), "{:+.1f}"),
        status,
    ]


def _pair(value: Sequence[Any] | None, fmt: str) -> str:
    if value is None:
        return "-"
    return "(" + fmt.format(value[0]) + ", " + fmt.format(value[1]) + ")"
