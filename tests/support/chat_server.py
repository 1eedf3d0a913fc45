"""A real OpenAI-compatible chat-completions server, in-process, for tests.

It is a stdlib `ThreadingHTTPServer` on ``127.0.0.1`` (a free port) in a daemon thread,
answering ``POST /v1/chat/completions`` and ``GET /v1/models`` the way vLLM does: same JSON
shapes, same error shape (``{"object": "error", "message": ..., "code": ...}``), a 404 for
a model it does not serve. Nothing is mocked on the client side: the backend under test
opens real sockets.

Each chat request's data-URL images are decoded into PIL images and handed, with the
JSON body, to a *responder* you write::

    def responder(body: dict, images: list[Image.Image]) -> str | Reply:
        # answer like MiMo-VL would for the image it received
        x, y = find_red_square(images[-1])
        return f'<answer>{{"action": "click", "point": [{x}, {y}]}}</answer>'

    with serve_chat(responder) as server:
        backend = OpenAIBackend(server.url)
        ...
        assert server.chat_requests[0].images[0].size == (1288, 728)

Return a string for a normal answer, or a `Reply` to control the status, headers, raw
body, a delay before answering, or ``drop=True`` to close the socket without answering.
A responder that raises produces a 500 (and the exception lands in ``server.errors``).

With ``reasoning_parser`` set, the server acts like vLLM or SGLang started with
``--reasoning-parser``: the thought goes into that message field and ``content`` keeps the
answer (`split_reasoning` follows the real parsers, per ``parser`` and ``server``). With
``max_model_len`` set, a request whose prompt plus ``max_tokens`` exceeds it is refused with
the server's own 400 wording, as vLLM and SGLang refuse it.

Usage is reported like a real server's: ``prompt_tokens`` is a rough text count (4
characters a token) plus, per image, ``(w // 28) * (h // 28)`` visual tokens and 2 for
the vision start/end markers. With ``max_pixels`` set, the server behaves like one whose
processor has that pixel budget: each image is resized by Qwen2-VL's ``smart_resize``
rule first, the responder sees the resized image (what the model would see) and the
tokens are counted for it; ``.requests`` still keeps the images as received.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

from PIL import Image

from mimo_gui.actions.geometry import FACTOR, smart_resize

__all__ = [
    "ChatServer",
    "ReasoningField",
    "ReasoningParser",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ServerKind",
    "context_refusal",
    "free_port",
    "serve_chat",
    "split_reasoning",
]

ReasoningField = Literal["reasoning_content", "reasoning"]
"""Where a reasoning server puts the thought: ``reasoning_content`` (older vLLM, SGLang) or
``reasoning`` (newer vLLM)."""

ReasoningParser = Literal["deepseek_r1", "qwen3"]
"""The ``--reasoning-parser`` simulated (SGLang spells the first ``deepseek-r1``)."""

ServerKind = Literal["vllm", "sglang"]
"""Whose behaviour to copy where vLLM and SGLang differ (empty fields, error wording)."""


@dataclass
class Reply:
    """What the server does with one chat request, when a plain answer string is not enough.

    Attributes:
        text: the assistant message content (for a 200 built by the server), or the error
            message (for an error status without a raw ``body``).
        status: the HTTP status.
        headers: extra response headers (e.g. ``{"Retry-After": "1"}``); they override defaults.
        body: a raw body sent as it is instead of the JSON the server would build.
        delay: seconds to wait before answering (or before dropping).
        drop: close the connection without sending any response at all.
        finish_reason: the choice's ``finish_reason`` in a built 200.
        stall: after the headers and the first half of the body, wait this long before the
            rest (a server that hangs mid-answer; per-read timeouts see it as silence).
        trickle: seconds between body bytes, sent one at a time after the headers (a
            server never silent for a whole read timeout, yet never done in time).
    """

    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str | bytes | None = None
    delay: float = 0.0
    drop: bool = False
    finish_reason: str = "stop"
    stall: float = 0.0
    trickle: float = 0.0


Responder = Callable[[dict[str, Any], list[Image.Image]], "str | Reply"]
"""``responder(body, images)``: the request's JSON body and its images in order of appearance."""


@dataclass
class RecordedRequest:
    """One request as the server received it.

    Attributes:
        method: ``GET`` or ``POST``.
        path: the request path, e.g. ``/v1/chat/completions``.
        headers: request headers, names lower-cased.
        body: the parsed JSON body (None for a GET or unparseable JSON).
        images: the decoded images, in order of appearance, exactly as received.
        at: ``time.monotonic()`` when the request's body had been read.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    images: list[Image.Image]
    at: float


class _RequestError(Exception):
    """A malformed request: answered 400 with this message."""


_DATA_URL = re.compile(r"data:image/[\w.+-]+;base64,(.*)", re.DOTALL)


def _decode_data_url(url: str) -> Image.Image:
    match = _DATA_URL.fullmatch(url)
    if match is None:
        raise _RequestError(f"only base64 data:image URLs are accepted here, got {url[:40]!r}")
    try:
        image = Image.open(io.BytesIO(base64.b64decode(match.group(1), validate=True)))
        image.load()
    except (binascii.Error, OSError, ValueError) as exc:
        raise _RequestError(f"cannot decode image: {exc}") from exc
    return image


def _parts(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every content part of every message, strings as text parts."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _RequestError("'messages' must be a non-empty list")
    for message in messages:
        if not isinstance(message, dict) or "role" not in message:
            raise _RequestError("each message needs a 'role'")
        content = message.get("content")
        if isinstance(content, str):
            yield {"type": "text", "text": content}
        elif isinstance(content, list):
            for part in content:
                if not isinstance(part, dict):
                    raise _RequestError("content parts must be objects")
                yield part
        elif content is not None:
            raise _RequestError("'content' must be a string or a list of parts")


class ChatServer:
    """The server; start it with `serve_chat` (or use it as a context manager).

    Attributes:
        url: ``http://127.0.0.1:PORT`` (no ``/v1``).
        model: the served model name, or None to serve none (``/v1/models`` lists nothing).
        requests: every request received, chat and models alike, in arrival order.
        errors: exceptions raised by the responder.
        max_in_flight: the most chat requests handled at the same moment so far.
    """

    def __init__(
        self,
        responder: Responder,
        *,
        model: str | None = "mimo-vl-test",
        max_pixels: int | None = None,
        min_pixels: int = 56 * 56,
        reasoning_parser: ReasoningField | None = None,
        parser: ReasoningParser = "deepseek_r1",
        server: ServerKind = "vllm",
        max_model_len: int | None = None,
    ) -> None:
        self.responder = responder
        self.reasoning_parser = reasoning_parser
        self.parser: ReasoningParser = parser
        self.server: ServerKind = server
        self.max_model_len = max_model_len
        self.model = model
        self.max_pixels = max_pixels
        self.min_pixels = min_pixels
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counter = 0
        self._httpd = _HTTPServer(self)
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        # A short poll interval: shutdown() waits up to one interval, on every test's exit.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="chat-server", daemon=True
        )

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The ``POST /v1/chat/completions`` requests only."""
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/") == "/v1/chat/completions"]

    @property
    def in_flight(self) -> int:
        """Chat requests being handled right now."""
        with self._lock:
            return self._in_flight

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; handlers still waiting out a delay give up without answering."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- used by the handler ---------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _enter(self) -> int:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._counter += 1
            return self._counter

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _model_view(self, image: Image.Image) -> Image.Image:
        """The image as a processor with ``max_pixels`` would hand it to the model."""
        if self.max_pixels is None:
            return image
        w, h = image.size
        nh, nw = smart_resize(h, w, FACTOR, min(self.min_pixels, self.max_pixels), self.max_pixels)
        return image if (nw, nh) == (w, h) else image.resize((nw, nh), Image.Resampling.BICUBIC)

    def _context_refusal(self, body: dict[str, Any], seen: list[Image.Image]) -> str | None:
        """The server's refusal when prompt plus ``max_tokens`` exceeds ``max_model_len``."""
        max_tokens = body.get("max_tokens")
        if self.max_model_len is None or not isinstance(max_tokens, int):
            return None
        prompt = self._prompt_tokens(body, seen)
        total = prompt + max_tokens
        # vLLM refuses past the limit (`>`); SGLang already at it (`>=`, tokenizer_manager.py
        # `_validate_one_request`).
        over = total >= self.max_model_len if self.server == "sglang" else total > self.max_model_len
        if not over:
            return None
        return context_refusal(self.server, self.max_model_len, prompt, max_tokens)

    def _prompt_tokens(self, body: dict[str, Any], seen: list[Image.Image]) -> int:
        text_chars: int = sum(len(p.get("text", "")) for p in _parts(body) if p.get("type") == "text")
        n_messages = len(body["messages"])
        visual = sum((im.width // FACTOR) * (im.height // FACTOR) + 2 for im in seen)
        return math.ceil(text_chars / 4) + 4 * n_messages + visual


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, chat: ChatServer) -> None:
        self.chat = chat
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up before its answer was written (a command that failed on
        # its own first, an interrupted run) is no server error: socketserver would print
        # a traceback to stderr, into the output a test reads for one error line.
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN; nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read .requests; stderr noise helps nobody

    # -- plumbing ----------------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, pacing: Reply | None = None
    ) -> None:
        merged = {"Content-Type": "application/json"}
        merged.update(headers or {})
        self.send_response(status)
        for name, value in merged.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        stopping = self.server.chat._stopping
        if pacing is not None and pacing.trickle > 0:
            self.wfile.flush()
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                if stopping.wait(pacing.trickle):
                    return
            return
        if pacing is not None and pacing.stall > 0:
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            if stopping.wait(pacing.stall):
                return
            self.wfile.write(body[half:])
            return
        self.wfile.write(body)

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def _send_error(self, status: int, message: str) -> None:
        self._send(status, _error_body(status, message))

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    # -- routes ------------------------------------------------------------------

    def do_GET(self) -> None:
        chat = self.server.chat
        chat._record(RecordedRequest("GET", self.path, self._headers(), None, [], time.monotonic()))
        if self.path.rstrip("/") != "/v1/models":
            self._send_error(404, f"no route {self.path}")
            return
        data = [] if chat.model is None else [{"id": chat.model, "object": "model", "owned_by": "test"}]
        self._send_json(200, {"object": "list", "data": data})

    def do_POST(self) -> None:
        chat = self.server.chat
        raw = self._read_body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        headers = self._headers()
        if self.path.rstrip("/") != "/v1/chat/completions":
            chat._record(RecordedRequest("POST", self.path, headers, body, [], time.monotonic()))
            self._send_error(404, f"no route {self.path}")
            return
        if not isinstance(body, dict):
            chat._record(RecordedRequest("POST", self.path, headers, None, [], time.monotonic()))
            self._send_error(400, "the body is not a JSON object")
            return
        try:
            images = [
                _decode_data_url(p["image_url"]["url"]) for p in _parts(body) if p.get("type") == "image_url"
            ]
        except (_RequestError, KeyError, TypeError) as exc:
            chat._record(RecordedRequest("POST", self.path, headers, body, [], time.monotonic()))
            self._send_error(400, f"bad request: {exc}")
            return
        chat._record(RecordedRequest("POST", self.path, headers, body, images, time.monotonic()))
        if body.get("model") != chat.model:
            self._send_error(404, f"The model `{body.get('model')}` does not exist.")
            return
        number = chat._enter()
        self._pacing: Reply | None = None
        try:
            out = self._answer(chat, body, images, number)
        finally:
            # Before the bytes go out: a client that has its answer must not see it still in flight.
            chat._leave()
        if out is None:
            self.close_connection = True  # drop: the socket closes with no response at all
            return
        self._send(*out, pacing=self._pacing)

    def _answer(
        self, chat: ChatServer, body: dict[str, Any], images: list[Image.Image], number: int
    ) -> tuple[int, bytes, dict[str, str]] | None:
        """The response to send as ``(status, body, headers)``, or None to drop the connection."""
        seen = [chat._model_view(im) for im in images]
        refusal = chat._context_refusal(body, seen)
        if refusal is not None:
            return 400, _error_body(400, refusal), {}
        try:
            out = chat.responder(body, seen)
        except Exception as exc:
            chat.errors.append(exc)
            return 500, _error_body(500, f"responder raised {exc!r}"), {}
        reply = Reply(text=out) if isinstance(out, str) else out
        self._pacing = reply
        if reply.delay and chat._stopping.wait(reply.delay):
            return None  # shutting down: do not answer a client that gave up
        if reply.drop:
            return None
        if reply.body is not None:
            data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            return reply.status, data, reply.headers
        if reply.status >= 400:
            return (
                reply.status,
                _error_body(reply.status, reply.text or f"error {reply.status}"),
                reply.headers,
            )
        prompt_tokens = chat._prompt_tokens(body, seen)
        completion_tokens = max(1, math.ceil(len(reply.text) / 4))
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if chat.reasoning_parser is not None:
            reasoning, content = split_reasoning(reply.text, parser=chat.parser, server=chat.server)
            message = {"role": "assistant", "content": content, chat.reasoning_parser: reasoning}
        answer = {
            "id": f"chatcmpl-test-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": chat.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return reply.status, json.dumps(answer).encode(), reply.headers


def split_reasoning(
    text: str, *, parser: ReasoningParser = "deepseek_r1", server: ServerKind = "vllm"
) -> tuple[str | None, str | None]:
    """``(reasoning, content)`` as a server started with ``--reasoning-parser`` splits a
    non-streamed answer.

    vLLM (vllm/reasoning/basic_parsers.py, ``BaseThinkingReasoningParser.extract_reasoning``,
    which ``deepseek_r1`` uses): everything up to the first ``<think>`` is dropped; with no
    ``</think>`` the whole rest is reasoning and content is None; else the text before
    ``</think>`` is reasoning (kept even when empty) and what follows the content, None when
    empty. vLLM's ``qwen3`` (vllm/reasoning/qwen3_reasoning_parser.py, before it learnt
    ``enable_thinking``): with no ``</think>`` there is no reasoning at all and the whole text
    is content; otherwise as ``deepseek_r1``.

    SGLang (python/sglang/srt/parser/reasoning_parser.py, ``detect_and_parse``): only leading
    ``<think>`` tags are stripped; ``deepseek-r1`` treats the text as reasoning from the start
    (``force_reasoning``), ``qwen3`` only when ``<think>`` appears, else it is all content; and
    serving_chat.py sends each of the two fields as None when it is empty.
    """
    if server == "vllm":
        if parser == "qwen3" and "</think>" not in text:
            return None, text
        before, tag, after = text.partition("<think>")
        body = after if tag else before
        if "</think>" not in body:
            return body, None
        reasoning, _, content = body.partition("</think>")
        return reasoning, content or None
    if parser == "qwen3" and "<think>" not in text:
        return None, text or None
    body = text
    while body.startswith("<think>"):
        body = body.removeprefix("<think>")
    reasoning, tag, content = body.partition("</think>")
    if not tag:
        return reasoning or None, None
    return reasoning or None, content or None


def context_refusal(server: ServerKind, max_model_len: int, prompt: int, max_tokens: int) -> str:
    """The message a server refuses with when ``prompt + max_tokens`` exceeds its context.

    vLLM: vllm/entrypoints/openai/serving_engine.py ``_validate_input`` (VLLMValidationError,
    parameter ``max_tokens``); SGLang: python/sglang/srt/managers/tokenizer_manager.py
    ``_validate_one_request``.
    """
    if server == "sglang":
        return (
            f"Requested token count exceeds the model's maximum context length of {max_model_len} "
            f"tokens. You requested a total of {prompt + max_tokens} tokens: {prompt} tokens from "
            f"the input messages and {max_tokens} tokens for the completion. Please reduce the "
            "number of tokens in the input messages or the completion to fit within the limit."
        )
    return (
        f"'max_tokens' or 'max_completion_tokens' is too large: {max_tokens}. This model's "
        f"maximum context length is {max_model_len} tokens and your request has {prompt} input "
        f"tokens ({max_tokens} > {max_model_len} - {prompt})."
    )


def _error_body(status: int, message: str) -> bytes:
    """vLLM's error shape."""
    kind = {400: "BadRequestError", 404: "NotFoundError"}.get(status, "Error")
    return json.dumps(
        {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    ).encode()


@contextmanager
def serve_chat(
    responder: Responder,
    *,
    model: str | None = "mimo-vl-test",
    max_pixels: int | None = None,
    reasoning_parser: ReasoningField | None = None,
    parser: ReasoningParser = "deepseek_r1",
    server: ServerKind = "vllm",
    max_model_len: int | None = None,
) -> Iterator[ChatServer]:
    """Run a `ChatServer` for the ``with`` block and stop it afterwards.

    Args:
        responder: ``responder(body, images) -> str | Reply``, called once per chat request.
        model: the served model name (requests naming another get vLLM's 404); None serves none.
        max_pixels: simulate a server whose processor re-shrinks images beyond this area.
        reasoning_parser: simulate a server started with a reasoning parser: the thought
            goes into this message field and ``content`` keeps only the answer.
        parser: which ``--reasoning-parser`` splits the answer (see `split_reasoning`).
        server: whose behaviour to copy, ``vllm`` or ``sglang``.
        max_model_len: refuse requests whose prompt plus ``max_tokens`` exceeds this, with
            the server's own 400 (see `context_refusal`).
    """
    chat = ChatServer(
        responder,
        model=model,
        max_pixels=max_pixels,
        reasoning_parser=reasoning_parser,
        parser=parser,
        server=server,
        max_model_len=max_model_len,
    )
    with chat:
        yield chat


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (just released), for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
