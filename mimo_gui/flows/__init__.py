"""Flow files: a YAML list of steps (click, type, assert, query, ...) that ``mimo-gui run-flow``
runs on an `Agent`, with ``${var}`` variables and ``${secret:NAME}`` values.

`load_flow` reads and checks a file (an error names its line and step), `run_flow` runs it
and reports what the steps found; ``flow.schema.json`` describes the file for editors.
"""

from __future__ import annotations

from .load import Flow, FlowError, FlowStep, load_flow, parse_flow
from .model import STEP_KINDS, FlowFile, flow_schema
from .runner import CheckOutcome, FlowOutput, FlowReport, StepError, StepFailed, run_flow
from .schema_types import SchemaTypeError, build_schema_model
from .variables import VariableError, parse_var

__all__ = [
    "STEP_KINDS",
    "CheckOutcome",
    "Flow",
    "FlowError",
    "FlowFile",
    "FlowOutput",
    "FlowReport",
    "FlowStep",
    "SchemaTypeError",
    "StepError",
    "StepFailed",
    "VariableError",
    "build_schema_model",
    "flow_schema",
    "load_flow",
    "parse_flow",
    "parse_var",
    "run_flow",
]
