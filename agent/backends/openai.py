"""`OpenAIBackend`: a model behind an OpenAI-compatible chat-completions server (vLLM, SGLang).

This is the production path. It speaks the wire protocol through a plain sync
`httpx.Client` rather than the `openai` package: we need the raw status code, the
``Retry-After`` header, our own retry policy and our own error classes, and httpx is a core
dependency already, while `openai` would add weight and a retry layer of its own that we
would have to switch off.

Images go out exactly as the caller framed them (`Frame.apply`), as data URLs, PNG by
default because a lossy codec moves the edges the model points at. If the server's own
processor has a smaller pixel budget than ours it shrinks them again and every coordinate
the model gives comes back off; the backend notices this from the token usage and warns
once (`ImageShrunkWarning`).

A server started with a reasoning parser (vLLM or SGLang ``--reasoning-parser``) sends the
thought apart from the answer; both of its field names are read into
`Completion.reasoning`. A server that refuses a request because prompt plus ``max_tokens``
exceeds its context, and says its limit, is asked once more with a cap that fits.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import random
import re
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar, get_args

import httpx
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...actions.errors import (
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    BadResponse,
    ConfigError,
)
from ...actions.geometry import FACTOR
from ...prompts.messages import ImagePart, Message, TextPart
from .base import BackendBase, Capabilities, Completion, CompletionRequest
from .server_errors import context_limit, error_message, error_text, readable_body
from .server_errors import one_line as _one_line

__all__ = [
    "DEFAULT_IMAGE_FORMAT",
    "ImageFormat",
    "ImageShrunkWarning",
    "OpenAIBackend",
    "api_root",
    "encode_image",
    "retry_after_seconds",
]

ImageFormat = Literal["png", "jpeg", "webp"]

ENV_BASE_URL = "MIMO_GUI_BASE_URL"
ENV_MODEL = "MIMO_GUI_MODEL"
ENV_API_KEY = "MIMO_GUI_API_KEY"
ENV_TIMEOUT = "MIMO_GUI_TIMEOUT"

MAX_BACKOFF_S = 30.0
"""Ceiling of one exponential-backoff wait."""

MAX_TIMEOUT_RETRIES = 2
"""Most retries after a timeout, whatever ``max_retries`` says: each one already cost
``timeout`` seconds, so a server that hangs ends a run within about 3 × ``timeout``."""

MAX_RETRY_AFTER_S = 60.0
"""Ceiling of a server-requested ``Retry-After`` wait: a longer one is better failed loudly."""

_TRANSFER_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

_MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

# vLLM: "At most 1 image(s) may be provided in one request." (older: "in one prompt");
# its flag also shows up by name in some versions' messages.
_TOO_MANY_IMAGES = re.compile(r"at most \d+ image|limit[-_]mm[-_]per[-_]prompt", re.IGNORECASE)


class ImageShrunkWarning(UserWarning):
    """The server's processor shrank the images we sent, so the model's coordinates are off."""


DEFAULT_IMAGE_FORMAT: ImageFormat = "jpeg"
"""How screenshots travel by default. Measured on a 2-core client (bench/): PNG encoding
costs 13-38 ms a screenshot and caps concurrent evaluation below 90% of ideal at 64 in
flight; JPEG at quality 90 with full-resolution colour costs 2-7 ms and keeps text edges
crisp. ``png`` stays one setting away for lossless fidelity."""


def encode_image(image: Image.Image, fmt: ImageFormat = DEFAULT_IMAGE_FORMAT) -> str:
    """Encode an image as a ``data:`` URL for an ``image_url`` content part.

    Args:
        image: the image, already framed for the model.
        fmt: ``jpeg`` (quality 90, no chroma subsampling; the default), ``png`` (lossless)
            or ``webp`` (quality 90).

    Returns:
        ``data:image/<fmt>;base64,...``

    Raises:
        ConfigError: an unknown format.
    """
    if fmt not in _MIME:
        raise ConfigError(f"unknown image format {fmt!r}: expected one of png, jpeg, webp")
    buf = io.BytesIO()
    if fmt == "png":
        # Level 1: screenshots compress well anyway, and encoding time is on every step.
        image.save(buf, format="PNG", compress_level=1)
    else:
        # JPEG has no alpha channel; converting both lossy formats keeps them alike.
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        if fmt == "jpeg":
            # 4:4:4: halving colour resolution smears coloured text and thin UI lines.
            rgb.save(buf, format="JPEG", quality=90, subsampling=0)
        else:
            rgb.save(buf, format="WEBP", quality=90)
    return f"data:{_MIME[fmt]};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def api_root(base_url: str) -> str:
    """The ``.../v1`` root for a server URL given with or without ``/v1`` or a trailing slash.

    Raises:
        ConfigError: the URL is not an absolute http(s) URL.
    """
    raw = base_url.strip()
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigError(f"bad server URL {base_url!r}: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"bad server URL {base_url!r}: expected http://host:port or https://host[:port]")
    root = raw.rstrip("/")
    # People paste the endpoint they saw in a curl example; taking it apart is kinder than a 404.
    for suffix in ("/chat/completions", "/v1"):
        if root.endswith(suffix):
            root = root[: -len(suffix)].rstrip("/")
    return root + "/v1"


# -- the wire format ---------------------------------------------------------


class _WireMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content: str | None = None
    # A reasoning parser's thought: newer vLLM calls it ``reasoning``; older vLLM and SGLang
    # ``reasoning_content`` (vllm/entrypoints/openai/chat_completion/protocol.py `ChatMessage`,
    # sglang serving_chat.py). Either may be null or absent.
    reasoning: str | None = None
    reasoning_content: str | None = None


class _WireChoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: _WireMessage
    finish_reason: str | None = None


class _WireUsage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _WireCompletion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    choices: list[_WireChoice] = Field(min_length=1)
    usage: _WireUsage | None = None


class _WireModelCard(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str


class _WireModelList(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data: list[_WireModelCard]


_W = TypeVar("_W", bound=BaseModel)


def _wire_message(message: Message, fmt: ImageFormat) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            parts.append({"type": "text", "text": part.text})
        else:
            parts.append({"type": "image_url", "image_url": {"url": encode_image(part.image, fmt)}})
    return {"role": message.role, "content": parts}


def _fitted_max_tokens(rejected: BackendRejected, sent: int) -> int | None:
    """A lower ``max_tokens`` that fits the context a refusal states, or None: not a context
    refusal, no lengths stated, or no room left beside the prompt."""
    if not 400 <= rejected.status < 500:
        return None
    limit = context_limit(error_message(rejected.body) or rejected.body)
    if limit is None or not 0 < limit.room < sent:
        return None
    return limit.room


def _visual_tokens(images: Sequence[ImagePart]) -> int:
    return sum((w // FACTOR) * (h // FACTOR) for w, h in (p.size for p in images))


def _read_wire(wire: type[_W], response: httpx.Response, url: str, what: str, attempts: int = 1) -> _W:
    """The response body as ``wire``, or a `BadResponse` quoting what came instead (saying
    "malformed JSON" for a body that does not parse, e.g. one cut off mid-way)."""
    try:
        return wire.model_validate_json(response.content)
    except ValidationError as exc:
        try:
            json.loads(response.content)
            came = f"something other than {what}"
        except ValueError:
            came = "malformed JSON"
        after = f" after {attempts} attempts" if attempts > 1 else ""
        raise BadResponse(
            f"{url} answered {response.status_code} with {came}{after}: {readable_body(response.text)!r}",
            url=url,
        ) from exc


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP-date) into a wait, capped; None if absent/bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


_LIST_MODELS_TIMEOUT_S = 5.0
"""How long a 404's hint may wait for the server's model list."""


# -- the backend -------------------------------------------------------------


class OpenAIBackend(BackendBase):
    """A `Backend` that posts to an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Retries 429 (honouring ``Retry-After``), 5xx, dropped connections and 2xx answers that
    are not a chat completion (malformed JSON, a body cut short, a wrong shape) up to
    ``max_retries`` times, with exponential backoff and jitter; then raises the error that
    names what came and how many attempts were made. A timeout is retried too, but at most
    `MAX_TIMEOUT_RETRIES` times, since each already cost ``timeout`` seconds. ``timeout`` is
    a deadline for a whole attempt (connect, headers and body), checked between body chunks
    as well as per read, so a server that trickles bytes still ends within about ``timeout``.
    Thread-safe: `complete_many` runs requests concurrently on one client.

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:8000`` (``/v1`` may be included or not).
        model: the served model name; None asks ``/v1/models`` on first use and takes the first.
        api_key: sent as a bearer token when given (a local vLLM needs none).
        timeout: seconds one attempt may take, from sending to the last byte of the answer.
        max_retries: retries after the first attempt, for 429, 5xx, dropped connections and
            unreadable 2xx answers (timeouts: at most `MAX_TIMEOUT_RETRIES`).
        backoff: the first backoff wait in seconds; it doubles per retry, with jitter, up to 30 s.
        image_format: how images travel: ``jpeg`` (the default, see `DEFAULT_IMAGE_FORMAT`),
            ``png`` (lossless) or ``webp``.
        concurrency: most requests `complete_many` has in flight at once.
        sleep: how to wait between retries (tests pass a recorder).

    Raises:
        ConfigError: a bad URL or setting.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        *,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        image_format: ImageFormat = DEFAULT_IMAGE_FORMAT,
        concurrency: int = 16,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not timeout > 0:
            raise ConfigError(f"timeout must be positive seconds, got {timeout!r}")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {max_retries!r}")
        if backoff < 0:
            raise ConfigError(f"backoff must be 0 or more seconds, got {backoff!r}")
        if concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {concurrency!r}")
        if image_format not in get_args(ImageFormat):
            raise ConfigError(f"unknown image format {image_format!r}: expected one of png, jpeg, webp")
        self.base_url = base_url
        root = api_root(base_url)
        self.chat_url = root + "/chat/completions"
        self.models_url = root + "/models"
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.backoff = float(backoff)
        self.image_format: ImageFormat = image_format
        self.concurrency = concurrency
        self._model = model or None
        self._model_lock = threading.Lock()
        self._sleep = sleep
        self._warned_shrink = False
        self._warn_lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        **kw: Any,
    ) -> OpenAIBackend:
        """Build from arguments, each None falling back to ``MIMO_GUI_BASE_URL``, ``MIMO_GUI_MODEL``,
        ``MIMO_GUI_API_KEY`` and ``MIMO_GUI_TIMEOUT``; other keywords go to the constructor.

        Raises:
            ConfigError: no base URL anywhere, or a bad ``MIMO_GUI_TIMEOUT``.
        """
        base_url = base_url or os.environ.get(ENV_BASE_URL) or None
        if base_url is None:
            raise ConfigError(f"no model server URL: set {ENV_BASE_URL} or pass --base-url")
        model = model or os.environ.get(ENV_MODEL) or None
        api_key = api_key or os.environ.get(ENV_API_KEY) or None
        if timeout is None and os.environ.get(ENV_TIMEOUT):
            raw = os.environ[ENV_TIMEOUT]
            try:
                timeout = float(raw)
            except ValueError as exc:
                raise ConfigError(f"{ENV_TIMEOUT} must be a number of seconds, got {raw!r}") from exc
        if timeout is not None:
            kw["timeout"] = timeout
        return cls(base_url, model=model, api_key=api_key, **kw)

    # -- the model name --------------------------------------------------------

    @property
    def model(self) -> str:
        """The served model name, asked of ``/v1/models`` on first read when none was given.

        Raises:
            BackendError: the server serves no model, or cannot be asked.
        """
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    self._model = self._discover_model()
        return self._model

    @model.setter
    def model(self, value: str) -> None:
        self._model = value

    def _discover_model(self) -> str:
        url = self.models_url
        response = self._send("GET", url, None, n_images=0, wire=_WireModelList, what="a model list")
        listing = _read_wire(_WireModelList, response, url, "a model list")
        if not listing.data:
            raise BackendError(f"{url} serves no models: start the server with one, or pass --model", url=url)
        return listing.data[0].id

    # -- completing --------------------------------------------------------------

    def complete(self, request: CompletionRequest) -> Completion:
        """Send one request and return the model's answer.

        ``latency_s`` is the wall time of the call, retries included: what the agent waited.

        A server that refuses the request because prompt plus ``max_tokens`` exceeds its
        context, and states both lengths, is asked once more with ``max_tokens`` lowered to
        what fits: a long thought then still gets all the room the server has.

        Raises:
            BackendUnreachable: connections refused or dropped, after the retries.
            BackendTimeout: no whole answer within ``timeout`` seconds, after the retries.
            BackendRejected: an error status (4xx at once; 429 and 5xx after the retries).
            BadResponse: a 2xx answer that is not a chat completion, after the retries.
        """
        model = self.model
        images = request.images()
        payload = self.payload(request, model)
        start = time.perf_counter()
        try:
            response = self._send_chat(payload, len(images))
        except BackendRejected as rejected:
            fitted = _fitted_max_tokens(rejected, payload["max_tokens"])
            if fitted is None:
                raise
            payload["max_tokens"] = fitted
            response = self._send_chat(payload, len(images))
        latency = time.perf_counter() - start
        completion = self._parse(response, model, latency)
        self._check_shrink(images, completion.prompt_tokens)
        return completion

    def complete_many(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        """Complete several requests concurrently (at most ``concurrency`` at once), in input order.

        Every request runs to its end; then the error of the earliest failed request (in input
        order), if any, is raised.
        """
        if not requests:
            return []
        if len(requests) == 1:
            return [self.complete(requests[0])]
        _ = self.model  # discover once, before the threads race for it
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            futures = [pool.submit(self.complete, r) for r in requests]
            wait(futures)
        return [f.result() for f in futures]

    def payload(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        """The JSON body for one request: messages with content parts in order, and the sampling."""
        sampling = request.sampling
        body: dict[str, Any] = {
            "model": model,
            "messages": [_wire_message(m, self.image_format) for m in request.messages],
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
        }
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        return body

    # -- transport and retries -----------------------------------------------

    def _send_chat(self, payload: dict[str, Any], n_images: int) -> httpx.Response:
        return self._send(
            "POST", self.chat_url, payload, n_images=n_images, wire=_WireCompletion, what="a chat completion"
        )

    def _send(
        self,
        method: str,
        url: str,
        payload: dict[str, Any] | None,
        *,
        n_images: int,
        wire: type[BaseModel] | None = None,
        what: str = "",
    ) -> httpx.Response:
        """One request with the retries; a 2xx answer is returned only once it reads as ``wire``."""
        attempt = 0
        timeouts = 0
        while True:
            try:
                response = self._attempt(method, url, payload)
            except httpx.TimeoutException as exc:
                if attempt < self.max_retries and timeouts < MAX_TIMEOUT_RETRIES:
                    timeouts += 1
                    attempt += 1
                    continue
                raise BackendTimeout(
                    f"{url} did not answer within {self.timeout:g} s "
                    f"({attempt + 1} attempt{'s' * (attempt > 0)})",
                    url=url,
                ) from exc
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                if attempt < self.max_retries:
                    self._sleep(self._backoff_delay(attempt))
                    attempt += 1
                    continue
                raise BackendUnreachable(
                    f"cannot reach {url} ({attempt + 1} attempt{'s' * (attempt > 0)}): "
                    f"{_one_line(str(exc) or type(exc).__name__, 200)}",
                    url=url,
                ) from exc
            except httpx.HTTPError as exc:
                raise BackendError(f"request to {url} failed: {_one_line(str(exc), 200)}", url=url) from exc
            status = response.status_code
            if 200 <= status < 300:
                if wire is None:
                    return response
                try:
                    _read_wire(wire, response, url, what, attempt + 1)
                    return response
                except BadResponse:
                    if attempt >= self.max_retries:
                        raise
                self._sleep(self._backoff_delay(attempt))
                attempt += 1
                continue
            if (status == 429 or status >= 500) and attempt < self.max_retries:
                wait_s = retry_after_seconds(response.headers.get("retry-after")) if status == 429 else None
                self._sleep(wait_s if wait_s is not None else self._backoff_delay(attempt))
                attempt += 1
                continue
            raise self._rejected(response, url, n_images, attempt + 1)

    def _attempt(self, method: str, url: str, payload: dict[str, Any] | None) -> httpx.Response:
        """One request, read whole within ``timeout`` seconds of sending it.

        httpx's timeouts are per network operation, so a server that trickles a byte a second
        would never trip one; the body is therefore streamed and the deadline checked after
        every chunk (a silent stall still ends on the per-read timeout).

        Raises:
            httpx.TimeoutException: the deadline passed, or one read waited ``timeout`` seconds.
        """
        deadline = time.monotonic() + self.timeout
        with self._client.stream(method, url, json=payload) as response:
            chunks: list[bytes] = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"no whole answer within {self.timeout:g} s", request=response.request
                    )
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout(
                    f"no whole answer within {self.timeout:g} s", request=response.request
                )
        # The body as read, decoded already: the headers that describe its transfer no longer apply.
        kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _TRANSFER_HEADERS]
        return httpx.Response(
            status_code=response.status_code, headers=kept, content=b"".join(chunks), request=response.request
        )

    def _backoff_delay(self, attempt: int) -> float:
        ceiling = min(MAX_BACKOFF_S, self.backoff * 2.0**attempt)
        # Equal jitter: at least half the ceiling, so waits still grow, but clients spread out.
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _rejected(self, response: httpx.Response, url: str, n_images: int, attempts: int) -> BackendRejected:
        status = response.status_code
        said = error_text(response.text)
        after = f" after {attempts} attempts" if attempts > 1 else ""
        # Matched on the body, not only on 400: some vLLM versions report it as a 500.
        if _TOO_MANY_IMAGES.search(response.text):
            hint = (
                f"the server takes fewer images per prompt than the {n_images} sent: start vLLM with "
                f"--limit-mm-per-prompt '{{\"image\": {n_images}}}', or lower the number of history images"
            )
        elif status in (401, 403):
            hint = f"check the API key ({ENV_API_KEY} or --api-key)"
        elif status == 404:
            hint = self._not_found_hint(url)
        else:
            hint = ""
        message = f"{url} answered {status}{after}" + (f"; {hint}" if hint else "") + f"; server said: {said}"
        return BackendRejected(message, url=url, status=status, body=response.text)

    def _not_found_hint(self, url: str) -> str:
        """What a 404 means here, in words: never a bare None for a model nobody named."""
        if url == self.models_url:
            return (
                "no model was named (--model) and this address lists none: "
                "check that the base URL is an OpenAI-compatible server (vLLM, SGLang)"
            )
        listed = self._listed_models()
        return f"check the base URL and that the server serves model {self._model!r} ({listed})"

    def _listed_models(self) -> str:
        """The server's own model list, in words, asked once without retries (best effort,
        within a few seconds: it only decorates an error that is already known)."""
        try:
            response = self._client.get(self.models_url, timeout=min(self.timeout, _LIST_MODELS_TIMEOUT_S))
            if response.status_code != 200:
                return f"{self.models_url} answered {response.status_code}"
            names = [card.id for card in _WireModelList.model_validate_json(response.content).data]
        except (httpx.HTTPError, ValidationError):
            return f"{self.models_url} could not be read"
        if not names:
            return "it lists no models"
        shown = ", ".join(repr(n) for n in names[:5]) + (", …" if len(names) > 5 else "")
        return f"it lists {shown}"

    # -- reading the answer ----------------------------------------------------

    def _parse(self, response: httpx.Response, model: str, latency: float) -> Completion:
        url = self.chat_url
        wire = _read_wire(_WireCompletion, response, url, "a chat completion")
        choice = wire.choices[0]
        message = choice.message
        # Whichever field this server version fills; an empty thought counts as none.
        reasoning = message.reasoning or message.reasoning_content or None
        usage = wire.usage
        return Completion(
            # A reasoning parser leaves content null when the model never closed its thought,
            # and SGLang sends null for any empty answer (serving_chat.py: `text if text else
            # None`): both are an empty answer, which the caller parses or reports.
            text=message.content or "",
            reasoning=reasoning,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            latency_s=latency,
            model=wire.model or model,
            finish_reason=choice.finish_reason,
        )

    def _check_shrink(self, images: Sequence[ImagePart], prompt_tokens: int | None) -> None:
        """Warn once when the server counted fewer prompt tokens than our images alone cost."""
        if not images or prompt_tokens is None:
            return
        sent = _visual_tokens(images)
        if prompt_tokens >= sent:
            return
        with self._warn_lock:
            if self._warned_shrink:
                return
            self._warned_shrink = True
        largest = max(w * h for w, h in (p.size for p in images))
        cell = FACTOR * FACTOR
        needed = math.ceil(largest / cell) * cell
        kwargs = json.dumps({"max_pixels": needed})
        warnings.warn(
            f"{self.chat_url} counted {prompt_tokens} prompt tokens for images that cost {sent} visual "
            f"tokens as sent: the server's processor shrank them (its max_pixels is below ours), so the "
            f"model's coordinates will be off; raise the server's max pixels to at least {needed} "
            f"(vLLM: --mm-processor-kwargs '{kwargs}')",
            ImageShrunkWarning,
            stacklevel=3,
        )

    # -- lifetime ----------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_in_flight=self.concurrency, image_format=self.image_format)

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        self._client.close()

    def __repr__(self) -> str:
        return f"OpenAIBackend({self.base_url!r}, model={self._model!r})"
