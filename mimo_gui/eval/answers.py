"""A file of answers, keyed to samples, played by a scripted backend (``--answers F``).

The file is JSON, one of two shapes:

* an object mapping sample id to its answer: ``{"s0": "<answer>", "s1": ["<answer>", "<refine answer>"]}``;
* a list in the samples' order: ``["<answer>", ["<answer>", "<refine answer>"], …]``.

An answer is the model's text as it would have sent it; a pair gives the first answer and
the answer to the second look (``--refine``, on the enlarged crop). Each request is
answered by its tag (`CompletionRequest.tag`: the sample id, ``<id>/refine`` for the
second look), never by arrival order, so scores do not depend on ``--concurrency``.

Checked up front: an unreadable file, an unknown id, a sample with no answer, or a list of
another length is a `ConfigError`. A refine answer missing for a sample whose first answer
was read is that sample's request error, named in its record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..actions.errors import BackendError, ConfigError
from ..agent.backends.base import CompletionRequest
from ..agent.backends.scripted import ScriptedBackend
from .job import REFINE_TAG_SUFFIX
from .samples import Sample

__all__ = ["scripted_answers"]

Entry = str | tuple[str, str]
_FILE: TypeAdapter[dict[str, Entry] | list[Entry]] = TypeAdapter(dict[str, Entry] | list[Entry])


def _listed(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _read(path: Path) -> dict[str, Entry] | list[Entry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"answers file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read answers file {str(path)!r}: {exc}") from None
    try:
        return _FILE.validate_python(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"answers file {str(path)!r} is not JSON: {exc}") from None
    except ValidationError:
        raise ConfigError(
            f"answers file {str(path)!r} must hold a JSON object mapping sample id to an answer, or a "
            "JSON list of answers in the samples' order; each answer a string or [first, refine]"
        ) from None


def scripted_answers(path: Path, samples: Sequence[Sample]) -> ScriptedBackend:
    """A scripted backend that answers each of ``samples`` from the answers file ``path``.

    Args:
        path: the JSON file (see the module docstring for its two shapes).
        samples: the samples the run scores, in their order (a list file pairs with them).

    Raises:
        ConfigError: the file is missing, not JSON or of neither shape; it names an id that is
            not among ``samples``; it has no answer for some sample; a list's length differs
            from the number of samples.
    """
    path = Path(path)
    found = _read(path)
    ids = [s.id for s in samples]
    if isinstance(found, list):
        if len(found) != len(ids):
            raise ConfigError(
                f"answers file {str(path)!r} lists {len(found)} answers for {len(ids)} samples: "
                "a list pairs with the samples in order, one answer each"
            )
        by_id = dict(zip(ids, found, strict=True))
    else:
        known = set(ids)
        unknown = [i for i in found if i not in known]
        if unknown:
            raise ConfigError(
                f"answers file {str(path)!r} names samples not in the dataset: {_listed(unknown)}"
            )
        missing = [i for i in ids if i not in found]
        if missing:
            raise ConfigError(
                f"answers file {str(path)!r} has no answer for {len(missing)} samples: {_listed(missing)}"
            )
        by_id = found
    by_tag: dict[str, str] = {}
    for sample_id, entry in by_id.items():
        first, refine = (entry, None) if isinstance(entry, str) else entry
        by_tag[sample_id] = first
        if refine is not None:
            by_tag[sample_id + REFINE_TAG_SUFFIX] = refine

    def answer(request: CompletionRequest) -> str:
        tag = request.tag
        if tag is not None and tag in by_tag:
            return by_tag[tag]
        if tag is not None and tag.endswith(REFINE_TAG_SUFFIX):
            sample_id = tag.removesuffix(REFINE_TAG_SUFFIX)
            raise BackendError(
                f"answers file {str(path)!r} has no refine answer for sample {sample_id!r}: "
                "give it as [first, refine]"
            )
        raise BackendError(f"answers file {str(path)!r} has no answer for the request tagged {tag!r}")

    return ScriptedBackend(answer, model=f"scripted:{path.name}")
