"""Comparing two eval runs: accuracy side by side, by every tag, and the samples that flipped.

Flips are counted over the samples both runs scored (joined by id); samples only one run
has are listed by count, since a changed dataset makes any difference meaningless for them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from ..actions.errors import ConfigError
from .sample_log import SAMPLES_FILE, read_records
from .scoring import SampleRecord, summarize

__all__ = ["Comparison", "Flip", "Row", "compare_runs", "format_comparison", "load_records"]


class Row(BaseModel):
    """One line of the side-by-side table: a tag value (or overall) in both runs."""

    tag: str
    value: str
    a: float | None
    n_a: int
    b: float | None
    n_b: int
    diff: float | None


class Flip(BaseModel):
    """A sample one run got right and the other wrong."""

    id: str
    instruction: str


class Comparison(BaseModel):
    """``mimo-gui eval compare --json``: accuracies, the breakdown, and the flipped samples."""

    run_a: str
    run_b: str
    accuracy_a: float
    accuracy_b: float
    diff: float
    rows: list[Row]
    gained: list[Flip]
    """Missed in A, hit in B."""
    lost: list[Flip]
    """Hit in A, missed in B."""
    common: int
    only_a: int
    only_b: int


def load_records(folder: Path) -> list[SampleRecord]:
    """The records of a run folder, the latest line per id (as a resumed run reads them).

    Raises:
        ConfigError: the folder has no samples.jsonl.
    """
    path = Path(folder) / SAMPLES_FILE
    if not path.is_file():
        raise ConfigError(f"{str(folder)!r} is not an eval run: it has no {SAMPLES_FILE}")
    records, _ = read_records(path)
    return list({r.id: r for r in records}.values())


def compare_runs(run_a: Path, run_b: Path) -> Comparison:
    """Compare two run folders (B against A: ``diff`` is B − A)."""
    a, b = load_records(run_a), load_records(run_b)
    sa, sb = summarize(a), summarize(b)
    rows = [Row(tag="overall", value="", a=sa.accuracy, n_a=sa.n, b=sb.accuracy, n_b=sb.n,
                diff=sb.accuracy - sa.accuracy)]  # fmt: skip
    for tag in sorted(set(sa.by) | set(sb.by)):
        values_a, values_b = sa.by.get(tag, {}), sb.by.get(tag, {})
        for value in sorted(set(values_a) | set(values_b)):
            ba, bb = values_a.get(value), values_b.get(value)
            acc_a = ba.accuracy if ba else None
            acc_b = bb.accuracy if bb else None
            rows.append(
                Row(
                    tag=tag,
                    value=value,
                    a=acc_a,
                    n_a=ba.n if ba else 0,
                    b=acc_b,
                    n_b=bb.n if bb else 0,
                    diff=acc_b - acc_a if acc_a is not None and acc_b is not None else None,
                )
            )
    by_b = {r.id: r for r in b}
    common = [(ra, by_b[ra.id]) for ra in a if ra.id in by_b]
    gained = [Flip(id=rb.id, instruction=rb.instruction) for ra, rb in common if rb.hit and not ra.hit]
    lost = [Flip(id=rb.id, instruction=rb.instruction) for ra, rb in common if ra.hit and not rb.hit]
    ids_a = {r.id for r in a}
    return Comparison(
        run_a=str(run_a),
        run_b=str(run_b),
        accuracy_a=sa.accuracy,
        accuracy_b=sb.accuracy,
        diff=sb.accuracy - sa.accuracy,
        rows=rows,
        gained=gained,
        lost=lost,
        common=len(common),
        only_a=len(ids_a - set(by_b)),
        only_b=len(set(by_b) - ids_a),
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def format_comparison(c: Comparison) -> str:
    """A readable table of the comparison, with the flipped samples listed."""
    header = ("breakdown", "A", "n", "B", "n", "B−A (pts)")
    table = [header] + [
        (f"{r.tag}={r.value}" if r.value else r.tag, _pct(r.a), str(r.n_a), _pct(r.b), str(r.n_b),
         _signed(r.diff))
        for r in c.rows
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [f"A: {c.run_a}", f"B: {c.run_b}", ""]
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(f"samples in both runs: {c.common}" + (
        f" (only in A: {c.only_a}, only in B: {c.only_b})" if c.only_a or c.only_b else ""
    ))  # fmt: skip
    for title, flips in (
        ("gained (missed in A, hit in B)", c.gained),
        ("lost (hit in A, missed in B)", c.lost),
    ):
        lines.append(f"{title}: {len(flips)}")
        lines += [f"  {f.id}  {f.instruction}" for f in flips]
    return "\n".join(lines)
