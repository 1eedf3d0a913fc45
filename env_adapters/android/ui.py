"""What lies under a point, from ``uiautomator dump`` XML. Pure functions.

The dump (AOSP ``frameworks/testing/uiautomator``, ``AccessibilityNodeInfoDumper``) is a
``<hierarchy>`` of ``<node>`` elements with ``text``, ``content-desc``, ``resource-id``,
``class`` and ``bounds="[x1,y1][x2,y2]"`` in device pixels of the current orientation,
right and bottom exclusive.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["Node", "label_at", "parse_nodes"]

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the dump: its box and what it says."""

    bounds: tuple[int, int, int, int]
    text: str
    description: str

    @property
    def area(self) -> int:
        x1, y1, x2, y2 = self.bounds
        return max(0, x2 - x1) * max(0, y2 - y1)

    def contains(self, x: float, y: float) -> bool:
        x1, y1, x2, y2 = self.bounds
        return x1 <= x < x2 and y1 <= y < y2

    @property
    def label(self) -> str:
        """The text, else the content description (icons carry only that)."""
        return self.text or self.description


def parse_nodes(xml: str) -> list[Node]:
    """Every ``<node>`` with readable bounds, in document order.

    Raises:
        ValueError: ``xml`` is not XML (a dump cut short, an error message instead).
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"uiautomator dump is not XML ({exc}): {xml[:120]!r}") from exc
    nodes: list[Node] = []
    for element in root.iter("node"):
        match = _BOUNDS.fullmatch(element.get("bounds", "").strip())
        if match is None:
            continue
        x1, y1, x2, y2 = (int(v) for v in match.groups())
        nodes.append(
            Node(
                bounds=(x1, y1, x2, y2),
                text=element.get("text", "").strip(),
                description=element.get("content-desc", "").strip(),
            )
        )
    return nodes


def label_at(xml: str, x: float, y: float) -> str | None:
    """The label of the smallest node under (x, y) that has one; None when none does.

    The smallest containing node is often an unlabelled icon or layout inside a labelled
    button, so nodes without text or description are passed over for the next larger.
    Among equal areas the later node wins: it is drawn on top.
    """
    under = [(n.area, -i, n) for i, n in enumerate(parse_nodes(xml)) if n.contains(x, y) and n.label]
    if not under:
        return None
    return min(under, key=lambda t: (t[0], t[1]))[2].label
