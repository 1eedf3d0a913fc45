"""``flow.schema.json``: the flow file's JSON Schema, shipped with the package for editors.

It is generated from the models (`flow_schema`); a test checks the shipped file equals a
fresh generation. Regenerate it after changing `model.py`:

    python -m mimo_gui.flows.schema_file
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from .model import flow_schema

__all__ = ["SCHEMA_NAME", "main", "schema_text", "shipped_schema_text"]

SCHEMA_NAME = "flow.schema.json"


def schema_text() -> str:
    """The schema as the shipped file holds it: indented JSON, one trailing newline."""
    return json.dumps(flow_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_text() -> str:
    """The schema file that ships in the package."""
    return files(__package__ or "mimo_gui.flows").joinpath(SCHEMA_NAME).read_text(encoding="utf-8")


def main() -> None:
    """Write a fresh ``flow.schema.json`` beside this module."""
    target = Path(__file__).with_name(SCHEMA_NAME)
    target.write_text(schema_text(), encoding="utf-8")
    print(target)


if __name__ == "__main__":
    main()
