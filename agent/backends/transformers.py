"""`TransformersBackend`: MiMo-VL (or any Qwen2.5-VL checkpoint) run in this process.

The single-machine path: no server, the weights are loaded with Hugging Face
``transformers`` and requests are answered with ``generate``. torch and transformers are
imported inside the functions that use them, so importing this module costs nothing
where they are not installed.

Images arrive already framed by `Frame` (sides multiples of 28, area within the profile's
budget). The processor would otherwise resize them a second time to its own saved pixel
bounds, moving every coordinate the model answers in; so each call widens the bounds to
admit exactly the images it carries.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from ...actions.errors import BackendError, ConfigError, MimoGuiError, ModelNotFoundError
from ...actions.geometry import FACTOR
from ...prompts.messages import ImagePart, Message, Sampling, TextPart
from .base import BackendBase, Capabilities, Completion, CompletionRequest

__all__ = ["DEFAULT_MODEL", "DTYPES", "TransformersBackend", "load_model", "to_hf_conversation"]

DEFAULT_MODEL = "XiaomiMiMo/MiMo-VL-7B-RL-2508"

DTYPES = ("bfloat16", "float16", "float32", "auto")
"""The dtype names `load_model` accepts; None picks one for the device."""

_REASON_CHARS = 160
_HUB_PROBE_TIMEOUT_S = 10.0


def load_model(model_id: str, *, device: str | None = None, dtype: str | None = None) -> tuple[Any, Any]:
    """Load a Qwen2.5-VL-architecture model and its processor, from a hub id or a local folder.

    A hub id already in the Hugging Face cache loads from there without touching the network
    (so a cached model starts at once, offline too; ``hf download ID`` refreshes it). One not
    yet cached is downloaded the usual way, after a quick check that the hub answers: without
    it, an unreachable hub costs minutes of retries per file before the error.

    Args:
        model_id: a hub id such as ``XiaomiMiMo/MiMo-VL-7B-RL-2508``, or a folder written by
            ``save_pretrained``.
        device: where to put the weights (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).
            None: spread over the GPUs with accelerate's ``device_map="auto"`` where CUDA is
            available, else the CPU.
        dtype: one of `DTYPES`. None: bfloat16 on a GPU that supports it, else float16 on
            CUDA, float32 on the CPU.

    Returns:
        ``(model, processor)``: the model in eval mode, and a processor whose tokenizer pads
        on the left, as batched generation needs.

    Raises:
        ConfigError: an unknown dtype or device, or a checkpoint that is not Qwen2.5-VL.
        ModelNotFoundError: the model is neither on disk nor downloadable from here.
        BackendError: torch failed while loading the weights (out of memory, for one).
    """
    import torch

    if dtype is not None and dtype not in DTYPES:
        raise ConfigError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    cuda = torch.cuda.is_available()
    if device is not None:
        try:
            kind = torch.device(device).type
        except (RuntimeError, ValueError) as exc:
            raise ConfigError(f"unknown device {device!r}: use e.g. 'cpu', 'cuda' or 'cuda:1'") from exc
        if kind == "cuda" and not cuda:
            raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU on this machine")
        on_cuda = kind == "cuda"
    else:
        on_cuda = cuda
    kwargs: dict[str, Any] = {"dtype": _pick_dtype(dtype, on_cuda=on_cuda)}
    if device is not None:
        kwargs["device_map"] = device
    elif cuda:
        kwargs["device_map"] = "auto"

    import transformers
    from huggingface_hub.errors import EntryNotFoundError, HFValidationError

    # transformers' own annotations are partial; Any keeps mypy --strict from chasing them.
    hf: Any = transformers
    try:
        if _is_hub_id(model_id):
            try:
                processor, model = _from_pretrained(hf, model_id, kwargs, local_files_only=True)
            except OSError:  # not (wholly) in the cache
                _check_hub_answers(model_id)
                processor, model = _from_pretrained(hf, model_id, kwargs)
        else:
            processor, model = _from_pretrained(hf, model_id, kwargs)
    except (OSError, HFValidationError, EntryNotFoundError) as exc:
        raise ModelNotFoundError(_not_found_message(model_id, exc), model=model_id) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"model {model_id!r} could not be loaded as a Qwen2.5-VL model: {_first_line(exc)}"
        ) from exc
    except RuntimeError as exc:  # torch's own failures while placing weights, out of memory among them
        raise BackendError(f"model {model_id!r} failed to load: {_first_line(exc)}") from exc
    model.eval()
    tokenizer = processor.tokenizer
    # Batched generation appends new tokens on the right, so prompts must end flush right.
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, processor


def _from_pretrained(hf: Any, model_id: str, kwargs: dict[str, Any], **hub: Any) -> tuple[Any, Any]:
    # The processor first: it is small, so a missing model fails before gigabytes move.
    processor = hf.AutoProcessor.from_pretrained(model_id, **hub)
    model = hf.Qwen2_5_VLForConditionalGeneration.from_pretrained(model_id, **kwargs, **hub)
    return processor, model


def _is_hub_id(model_id: str) -> bool:
    from huggingface_hub import constants

    return (
        not constants.HF_HUB_OFFLINE
        and not _looks_like_path(model_id)
        and not os.path.isdir(os.path.expanduser(model_id))
    )


def _check_hub_answers(model_id: str) -> None:
    """Raise `ModelNotFoundError` at once when the hub cannot be reached or has no such model."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    try:
        HfApi().model_info(model_id, timeout=_HUB_PROBE_TIMEOUT_S)
    except RepositoryNotFoundError as exc:
        raise ModelNotFoundError(_not_found_message(model_id, exc), model=model_id) from exc
    except HfHubHTTPError:
        return  # the hub answers (a rate limit, say): the download reports what it finds
    except Exception as exc:  # transport errors, whose classes change with huggingface_hub's version
        raise ModelNotFoundError(
            _not_found_message(model_id, ConnectionError(_first_line(exc))), model=model_id
        ) from exc


def to_hf_conversation(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Turn our messages into Hugging Face chat format, keeping the order of the parts.

    Each image becomes ``{"type": "image"}``: the chat template renders it as the model's
    image placeholder and the processor fills it from the image list in the same order.
    Part order is kept exactly (MiMo wants the image before the text, and a trailing
    ``" /no_think"`` must stay last).

    Args:
        messages: the conversation.

    Returns:
        A list of ``{"role": ..., "content": [...]}`` dicts for ``apply_chat_template``.
    """
    conversation: list[dict[str, Any]] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        for part in message.content:
            if isinstance(part, ImagePart):
                content.append({"type": "image"})
            elif isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
            else:
                raise ConfigError(
                    f"unknown message part {type(part).__name__}: expected TextPart or ImagePart"
                )
        conversation.append({"role": message.role, "content": content})
    return conversation


class TransformersBackend(BackendBase):
    """A `Backend` that runs the model in this process with Hugging Face ``transformers``.

    The model is loaded at construction, so a missing model fails before any screen is
    touched. `complete_many` batches requests that share their `Sampling` into one
    ``generate`` call each (``batch_size`` at a time, left-padded).

    Attributes:
        name: ``"transformers"``.
        model: the hub id or folder it was loaded from.
        batch_size: the most requests one ``generate`` call carries.
    """

    name = "transformers"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 8,
    ) -> None:
        """Load ``model`` (see `load_model` for ``device`` and ``dtype``).

        Raises:
            ConfigError: a bad batch size, dtype or device.
            ModelNotFoundError: the model is neither on disk nor downloadable.
        """
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.batch_size = batch_size
        self._hf_model: Any = None
        self._processor: Any = None
        self._hf_model, self._processor = load_model(model, device=device, dtype=dtype)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(batches=True)

    def complete(self, request: CompletionRequest) -> Completion:
        """Answer one request."""
        return self.complete_many([request])[0]

    def complete_many(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        """Answer several requests, batching those that share their sampling settings.

        Returns:
            One `Completion` per request, in the order of ``requests``.
        """
        if self._hf_model is None:
            raise BackendError(f"the transformers backend for {self.model!r} is closed")
        groups: dict[Sampling, list[int]] = {}
        for i, request in enumerate(requests):
            groups.setdefault(request.sampling, []).append(i)
        results: list[Completion | None] = [None] * len(requests)
        for sampling, indices in groups.items():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start : start + self.batch_size]
                batch = self._run_batch([requests[i] for i in chunk], sampling)
                for i, completion in zip(chunk, batch, strict=True):
                    results[i] = completion
        return [c for c in results if c is not None]

    def close(self) -> None:
        """Drop the model and free the GPU memory it held; later calls raise `BackendError`."""
        self._hf_model = None
        self._processor = None
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _generate(self, inputs: Any, generate_kwargs: dict[str, Any]) -> Any:
        """One ``generate`` call for one batch: the seam where subclasses can observe batching."""
        return self._hf_model.generate(**inputs, **generate_kwargs)

    def _run_batch(self, requests: Sequence[CompletionRequest], sampling: Sampling) -> list[Completion]:
        import torch

        start = time.perf_counter()
        processor = self._processor
        try:
            texts = [
                processor.apply_chat_template(
                    to_hf_conversation(r.messages), tokenize=False, add_generation_prompt=True
                )
                for r in requests
            ]
            images = [part.image for r in requests for part in r.images()]
            inputs = processor(
                text=texts,
                images=images or None,
                padding=True,
                return_tensors="pt",
                images_kwargs=_exact_size_kwargs(images),
            ).to(self._hf_model.device)
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
            with torch.inference_mode():
                output = self._generate(inputs, self._generate_kwargs(sampling))
        except MimoGuiError:
            raise
        except Exception as exc:
            raise BackendError(f"local model {self.model!r} failed: {_first_line(exc)}") from exc
        latency = time.perf_counter() - start

        prompt_len = inputs["input_ids"].shape[1]
        new_tokens = output[:, prompt_len:]
        prompt_counts = inputs["attention_mask"].sum(dim=1).tolist()
        eos_ids = self._eos_ids()
        completions = []
        for row, prompt_tokens in zip(new_tokens.tolist(), prompt_counts, strict=True):
            # Rows that finish early are padded to the longest row; cut each at its own eos.
            end = next((k + 1 for k, tok in enumerate(row) if tok in eos_ids), None)
            tokens = row if end is None else row[:end]
            completions.append(
                Completion(
                    text=processor.tokenizer.decode(tokens, skip_special_tokens=True),
                    prompt_tokens=int(prompt_tokens),
                    completion_tokens=len(tokens),
                    latency_s=latency,
                    model=self.model,
                    finish_reason="length" if end is None else "stop",
                )
            )
        return completions

    def _generate_kwargs(self, sampling: Sampling) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": sampling.max_tokens,
            "pad_token_id": self._processor.tokenizer.pad_token_id,
        }
        if sampling.temperature == 0:
            kwargs["do_sample"] = False
        else:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
        return kwargs

    def _eos_ids(self) -> set[int]:
        eos = self._hf_model.generation_config.eos_token_id
        if eos is None:
            eos = self._processor.tokenizer.eos_token_id
        if eos is None:
            return set()
        return {int(e) for e in eos} if isinstance(eos, list | tuple) else {int(eos)}


def _exact_size_kwargs(images: Sequence[Any]) -> dict[str, Any]:
    """Image-processor kwargs whose pixel bounds admit every image's own (28-rounded) size.

    The Qwen2-VL processor leaves an image alone when its sides are multiples of 28 and its
    area lies within ``[shortest_edge, longest_edge]``; bounds from the smallest and the
    largest image of the call therefore admit them all.
    """
    if not images:
        return {}
    areas = [_rounded(w) * _rounded(h) for w, h in (img.size for img in images)]
    return {"size": {"shortest_edge": min(areas), "longest_edge": max(areas)}}


def _rounded(side: int) -> int:
    return max(FACTOR, round(side / FACTOR) * FACTOR)


def _pick_dtype(dtype: str | None, *, on_cuda: bool) -> Any:
    import torch

    if dtype == "auto":
        return "auto"
    if dtype is not None:
        return getattr(torch, dtype)
    if on_cuda:
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def _not_found_message(model_id: str, exc: BaseException) -> str:
    if _looks_like_path(model_id) and not os.path.isdir(os.path.expanduser(model_id)):
        return (
            f"model folder {model_id!r} does not exist: pass a folder written by save_pretrained, "
            f"a hub id such as {DEFAULT_MODEL!r}, or serve the model with vLLM and pass --base-url"
        )
    return (
        f"model {model_id!r} is not on this machine and could not be downloaded "
        f"({_why_missing(model_id, exc)}): "
        f"fetch it with `hf download {model_id}` where there is internet, "
        "or serve it with vLLM and pass --base-url"
    )


def _looks_like_path(model_id: str) -> bool:
    # Hub ids are "name" or "owner/name"; anything else that reaches the loader is meant as a folder.
    return model_id.startswith((".", "~", "/")) or model_id.count("/") > 1 or "\\" in model_id


def _why_missing(model_id: str, exc: BaseException) -> str:
    """A few words on why the model could not be had, from the exception chain."""
    from huggingface_hub import constants
    from huggingface_hub.errors import HFValidationError, OfflineModeIsEnabled, RepositoryNotFoundError

    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(isinstance(e, HFValidationError) for e in chain):
        return "not an existing folder, nor a valid hub id"
    if any(isinstance(e, RepositoryNotFoundError) for e in chain):
        return "the hub has no such repository, or it is gated and no token was given"
    if constants.HF_HUB_OFFLINE or any(isinstance(e, OfflineModeIsEnabled) for e in chain):
        return "HF_HUB_OFFLINE is set"
    unreachable = next((e for e in chain if isinstance(e, ConnectionError | TimeoutError)), None)
    if unreachable is not None:
        return f"the hub could not be reached: {_first_line(unreachable)}"
    if os.path.isdir(os.path.expanduser(model_id)):
        return f"the folder is there but incomplete: {_first_line(exc)}"
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"
