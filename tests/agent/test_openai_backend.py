"""`OpenAIBackend` against a real chat-completions server on 127.0.0.1 (tests/support/chat_server.py)."""

from __future__ import annotations

import base64
import io
import json
import random
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from mimo_gui.actions.errors import (
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    BadResponse,
    ConfigError,
)
from mimo_gui.agent.backends.base import Backend, CompletionRequest
from mimo_gui.agent.backends.openai import (
    ImageShrunkWarning,
    OpenAIBackend,
    api_root,
    encode_image,
    retry_after_seconds,
)
from mimo_gui.prompts.messages import ImagePart, Message, Sampling, TextPart
from tests.support.chat_server import Reply, free_port, serve_chat
from tests.support.static_server import serve_folder

pytestmark = pytest.mark.timeout(30)


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """An RGB image whose every pixel differs, so any re-encoding or resize shows."""
    rng = random.Random(seed)
    return Image.frombytes(
        "RGB", (width, height), bytes(rng.randrange(256) for _ in range(width * height * 3))
    )


def request(*images: Image.Image, text: str = "Click the search box.", **sampling: Any) -> CompletionRequest:
    parts = (*(ImagePart(im) for im in images), TextPart(text), TextPart(" /no_think"))
    return CompletionRequest(
        messages=(Message.text("system", "You are a GUI agent."), Message("user", parts)),
        sampling=Sampling(**sampling),
    )


def answer(text: str) -> Callable[[dict[str, Any], list[Image.Image]], str]:
    return lambda body, images: text


def sequence(*replies: str | Reply) -> Callable[[dict[str, Any], list[Image.Image]], str | Reply]:
    """A responder that plays replies in order, repeating the last."""
    queue = list(replies)

    def respond(body: dict[str, Any], images: list[Image.Image]) -> str | Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond


def fast(url: str, **kw: Any) -> OpenAIBackend:
    """A backend whose retries take milliseconds."""
    kw.setdefault("model", "mimo-vl-test")
    kw.setdefault("backoff", 0.001)
    kw.setdefault("max_retries", 3)
    kw.setdefault("timeout", 10.0)
    return OpenAIBackend(url, **kw)


# -- success path ----------------------------------------------------------------


def test_success_path_sends_parts_in_order_and_reads_the_answer() -> None:
    image = noise(84, 56)
    with (
        serve_chat(sequence(Reply(text="<answer>click(10, 20)</answer>", delay=0.05))) as server,
        fast(server.url, image_format="png") as backend,
    ):
        completion = backend.complete(request(image, temperature=0.0, seed=7, max_tokens=321))
    assert completion.text == "<answer>click(10, 20)</answer>"
    assert completion.model == "mimo-vl-test"
    assert completion.finish_reason == "stop"
    assert completion.latency_s >= 0.05
    # The server counts 3x2 visual tokens for an 84x56 image plus some text.
    assert completion.prompt_tokens is not None and completion.prompt_tokens > 6
    assert completion.completion_tokens is not None and completion.completion_tokens >= 1

    [got] = server.chat_requests
    body = got.body
    assert body is not None
    assert body["model"] == "mimo-vl-test"
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (0.0, 0.95, 321, 7)
    system, user = body["messages"]
    assert system == {"role": "system", "content": [{"type": "text", "text": "You are a GUI agent."}]}
    assert user["role"] == "user"
    assert [p["type"] for p in user["content"]] == ["image_url", "text", "text"]
    assert user["content"][-1] == {"type": "text", "text": " /no_think"}
    assert user["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    [received] = got.images
    assert received.size == image.size
    assert received.convert("RGB").tobytes() == image.tobytes()


def test_usage_fields_are_read_from_the_answer() -> None:
    raw = {
        "model": "served-name",
        "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 1234, "completion_tokens": 56, "total_tokens": 1290},
    }
    with serve_chat(sequence(Reply(body=json.dumps(raw)))) as server, fast(server.url) as backend:
        completion = backend.complete(request(noise(56, 56)))
    assert (completion.text, completion.prompt_tokens, completion.completion_tokens) == ("hi", 1234, 56)
    assert (completion.model, completion.finish_reason) == ("served-name", "length")


def test_missing_usage_gives_none_and_no_seed_is_sent_when_unset() -> None:
    raw = {"choices": [{"message": {"content": "ok"}}]}
    with serve_chat(sequence(Reply(body=json.dumps(raw)))) as server, fast(server.url) as backend:
        completion = backend.complete(request(noise(56, 56)))
    assert (completion.prompt_tokens, completion.completion_tokens) == (None, None)
    assert completion.model == "mimo-vl-test"
    body = server.chat_requests[0].body
    assert body is not None and "seed" not in body


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_lossy_formats_arrive_as_that_format_and_size(fmt: str) -> None:
    image = noise(112, 84, seed=3)
    with serve_chat(answer("ok")) as server, fast(server.url, image_format=fmt) as backend:
        backend.complete(request(image))
    body = server.chat_requests[0].body
    assert body is not None
    assert body["messages"][1]["content"][0]["image_url"]["url"].startswith(f"data:image/{fmt};base64,")
    [received] = server.chat_requests[0].images
    assert (received.format, received.size) == (fmt.upper(), image.size)


def test_jpeg_is_the_default_and_keeps_full_colour_resolution() -> None:
    image = Image.new("RGB", (64, 32), (255, 255, 255))
    for x in range(0, 64, 2):  # one-pixel red and blue stripes: 4:2:0 would blur them to purple
        for y in range(32):
            image.putpixel((x, y), (220, 0, 0))
            image.putpixel((x + 1, y), (0, 0, 220))
    with serve_chat(answer("ok")) as server, fast(server.url) as backend:
        assert backend.image_format == "jpeg"
        backend.complete(request(image))
    [received] = server.chat_requests[0].images
    assert received.format == "JPEG"
    red, blue = received.convert("RGB").getpixel((10, 10)), received.convert("RGB").getpixel((11, 10))
    assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]


def test_encode_image_png_round_trips_exactly() -> None:
    image = noise(30, 20, seed=9).convert("RGBA")
    url = encode_image(image, "png")
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    back = Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])))
    assert (back.mode, back.size, back.tobytes()) == ("RGBA", image.size, image.tobytes())


def test_encode_image_rejects_unknown_format() -> None:
    with pytest.raises(ConfigError, match="gif"):
        encode_image(noise(4, 4), "gif")  # type: ignore[arg-type]


def test_it_is_a_backend() -> None:
    with OpenAIBackend("http://127.0.0.1:9", model="m") as backend:
        assert isinstance(backend, Backend)
        assert backend.name == "openai"


# -- model discovery ---------------------------------------------------------------


def test_model_is_discovered_once_from_v1_models() -> None:
    with (
        serve_chat(answer("ok"), model="XiaomiMiMo/MiMo-VL-7B-RL-2508") as server,
        fast(server.url, model=None) as backend,
    ):
        first = backend.complete(request(noise(56, 56)))
        backend.complete(request(noise(56, 56)))
        assert backend.model == "XiaomiMiMo/MiMo-VL-7B-RL-2508"
    assert first.model == "XiaomiMiMo/MiMo-VL-7B-RL-2508"
    assert [r.path for r in server.requests].count("/v1/models") == 1
    assert [r.body["model"] for r in server.chat_requests if r.body] == ["XiaomiMiMo/MiMo-VL-7B-RL-2508"] * 2


def test_no_served_model_is_a_backend_error() -> None:
    with (
        serve_chat(answer("ok"), model=None) as server,
        fast(server.url, model=None) as backend,
        pytest.raises(BackendError, match="serves no models") as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert info.value.url == server.url + "/v1/models"
    assert server.chat_requests == []


def test_wrong_model_name_is_rejected_with_a_hint() -> None:
    with (
        serve_chat(answer("ok")) as server,
        fast(server.url, model="other") as backend,
        pytest.raises(BackendRejected, match="serves model 'other'") as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert info.value.status == 404
    # The user sees what the server does serve, asked of /v1/models once.
    assert "it lists 'mimo-vl-test'" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_web_server_without_model_says_so_on_one_line(tmp_path: Path) -> None:
    # A user points --base-url at a web server (here the stdlib's, whose 404 is a full HTML
    # page) and names no --model: the model list cannot be had.
    with (
        serve_folder(tmp_path) as url,
        fast(url, model=None) as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56)))
    message = str(info.value)
    assert info.value.status == 404
    assert message.startswith(f"{url}/v1/models answered 404; no model was named (--model)")
    assert "OpenAI-compatible server" in message
    assert "File not found" in message  # what the page said, as text
    assert "<" not in message and "None" not in message and "\n" not in message
    assert len(message) < 400


def test_html_error_pages_are_reduced_to_their_text() -> None:
    page = "<!DOCTYPE html><html><head><title>502</title><style>b{}</style></head><body><h1>Bad Gateway</h1></body></html>"
    with (
        serve_chat(sequence(Reply(status=400, body=page, headers={"Content-Type": "text/html"}))) as server,
        fast(server.url) as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert str(info.value).endswith("server said: an HTML page: Bad Gateway")


# -- retries -------------------------------------------------------------------------


def test_429_retry_after_seconds_is_honoured() -> None:
    replies = sequence(Reply(status=429, text="slow down", headers={"Retry-After": "1"}), "done")
    with serve_chat(replies) as server, fast(server.url) as backend:
        completion = backend.complete(request(noise(56, 56)))
    assert completion.text == "done"
    first, second = server.chat_requests
    # Backoff alone would wait about a millisecond; the server asked for a second.
    assert second.at - first.at >= 0.95


def test_429_retry_after_http_date_and_cap_reach_the_sleep() -> None:
    slept: list[float] = []
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    replies = sequence(
        Reply(status=429, headers={"Retry-After": later}),
        Reply(status=429, headers={"Retry-After": "3600"}),
        "done",
    )
    with serve_chat(replies) as server, fast(server.url, sleep=slept.append) as backend:
        assert backend.complete(request(noise(56, 56))).text == "done"
    assert len(slept) == 2
    assert 27.0 <= slept[0] <= 30.0
    assert slept[1] == 60.0


def test_retry_after_parsing() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now=now) == 7.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:10 GMT", now=now) == 10.0
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("99999", now=now) == 60.0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None) is None


def test_500_then_success() -> None:
    with serve_chat(sequence(Reply(status=500, text="boom"), "fine")) as server, fast(server.url) as backend:
        assert backend.complete(request(noise(56, 56))).text == "fine"
    assert len(server.chat_requests) == 2


def test_backoff_grows_exponentially_with_jitter() -> None:
    slept: list[float] = []
    replies = sequence(Reply(status=502), Reply(status=503), Reply(status=500), "fine")
    with serve_chat(replies) as server, fast(server.url, backoff=0.01, sleep=slept.append) as backend:
        assert backend.complete(request(noise(56, 56))).text == "fine"
    assert len(slept) == 3
    for attempt, delay in enumerate(slept):
        ceiling = 0.01 * 2**attempt
        assert ceiling / 2 <= delay <= ceiling


def test_5xx_after_the_retries_is_rejected_with_status_and_body() -> None:
    with (
        serve_chat(sequence(Reply(status=503, text="overloaded"))) as server,
        fast(server.url, max_retries=2) as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert info.value.status == 503
    assert "overloaded" in info.value.body
    assert "after 3 attempts" in str(info.value)
    assert server.url in str(info.value)
    assert len(server.chat_requests) == 3


def test_dropped_connection_then_success() -> None:
    with serve_chat(sequence(Reply(drop=True), "after the drop")) as server, fast(server.url) as backend:
        assert backend.complete(request(noise(56, 56))).text == "after the drop"
    assert len(server.chat_requests) == 2


def test_drops_after_the_retries_are_unreachable() -> None:
    with (
        serve_chat(sequence(Reply(drop=True))) as server,
        fast(server.url, max_retries=1) as backend,
        pytest.raises(BackendUnreachable) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert server.url in str(info.value)
    assert isinstance(info.value.__cause__, httpx.HTTPError)
    assert len(server.chat_requests) == 2


def test_nothing_listening_is_unreachable_and_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    with fast(url, max_retries=2) as backend, pytest.raises(BackendUnreachable) as info:
        backend.complete(request(noise(56, 56)))
    assert time.monotonic() - start < 5
    assert f"{url}/v1/chat/completions" in str(info.value)
    assert "3 attempts" in str(info.value)
    assert info.value.url == f"{url}/v1/chat/completions"
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert "\n" not in str(info.value)


def test_slow_server_times_out_after_at_most_two_retries() -> None:
    with serve_chat(sequence(Reply(text="late", delay=3.0))) as server:
        with fast(server.url, timeout=0.3) as backend, pytest.raises(BackendTimeout) as info:
            start = time.monotonic()
            backend.complete(request(noise(56, 56)))
        elapsed = time.monotonic() - start
    assert elapsed < 2.0
    assert server.url in str(info.value)
    assert "0.3 s" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    assert "(3 attempts)" in str(info.value)
    assert len(server.chat_requests) == 3  # MAX_TIMEOUT_RETRIES caps max_retries=3


# -- rejections and bad answers ---------------------------------------------------------


def test_400_about_images_names_the_vllm_flag() -> None:
    vllm_says = "At most 1 image(s) may be provided in one request. You can set `--limit-mm-per-prompt`."
    with (
        serve_chat(sequence(Reply(status=400, text=vllm_says))) as server,
        fast(server.url) as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56), noise(56, 56, seed=1)))
    message = str(info.value)
    assert info.value.status == 400
    assert "--limit-mm-per-prompt '{\"image\": 2}'" in message
    assert "history images" in message
    assert "\n" not in message
    assert len(server.chat_requests) == 1


def test_other_400_has_no_image_hint() -> None:
    with (
        serve_chat(sequence(Reply(status=400, text="max_tokens is too large"))) as server,
        fast(server.url) as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert "max_tokens is too large" in str(info.value)
    assert "limit-mm-per-prompt" not in str(info.value)


def test_401_is_rejected_at_once() -> None:
    with (
        serve_chat(sequence(Reply(status=401, text="invalid api key"))) as server,
        fast(server.url, api_key="wrong") as backend,
        pytest.raises(BackendRejected) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert info.value.status == 401
    assert "invalid api key" in info.value.body
    assert "MIMO_GUI_API_KEY" in str(info.value)
    assert info.value.url == server.url + "/v1/chat/completions"
    assert len(server.chat_requests) == 1


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("<html>gateway</html>", "not JSON"),
        ('{"object": "list", "data": []}', "no choices"),
        ('{"choices": []}', "empty choices"),
        ('{"choices": [{"message": {"role": "assistant", "content": 42}}]}', "content not text"),
        ('{"choices": [{"index": 0, "finish_reason": "stop"}]}', "no message"),
    ],
)
def test_200_that_is_not_a_chat_completion_is_bad_response(raw: str, why: str) -> None:
    with (
        serve_chat(sequence(Reply(body=raw))) as server,
        fast(server.url) as backend,
        pytest.raises(BadResponse) as info,
    ):
        backend.complete(request(noise(56, 56)))
    assert server.url in str(info.value), why
    assert "after 4 attempts" in str(info.value), why
    assert len(server.chat_requests) == 4  # retried within max_retries=3


# -- the shrink warning -------------------------------------------------------------------


def test_server_that_shrinks_images_warns_once() -> None:
    seen: list[tuple[int, int]] = []

    def respond(body: dict[str, Any], images: list[Image.Image]) -> str:
        seen.extend(im.size for im in images)
        return "ok"

    with (
        serve_chat(respond, max_pixels=140 * 140) as server,
        fast(server.url) as backend,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        backend.complete(request(noise(280, 280)))
        backend.complete(request(noise(280, 280, seed=2)))
    shrunk = [w for w in caught if issubclass(w.category, ImageShrunkWarning)]
    assert len(shrunk) == 1
    message = str(shrunk[0].message)
    assert "--mm-processor-kwargs" in message
    assert '{"max_pixels": 78400}' in message
    assert seen == [(140, 140), (140, 140)]


def test_server_with_a_large_enough_budget_does_not_warn() -> None:
    with (
        serve_chat(answer("ok"), max_pixels=280 * 280) as server,
        fast(server.url) as backend,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error", ImageShrunkWarning)
        backend.complete(request(noise(280, 280)))


# -- concurrency ----------------------------------------------------------------------------


def test_complete_many_overlaps_requests_and_keeps_order() -> None:
    def echo(body: dict[str, Any], images: list[Image.Image]) -> Reply:
        text = body["messages"][1]["content"][1]["text"]
        # Later requests answer sooner, so completion order differs from input order.
        return Reply(text=f"echo {text}", delay=0.4 - 0.05 * int(text[-1]))

    requests = [request(noise(56, 56, seed=i), text=f"request {i}") for i in range(6)]
    with serve_chat(echo) as server, fast(server.url, concurrency=3) as backend:
        results = backend.complete_many(requests)
    assert [c.text for c in results] == [f"echo request {i}" for i in range(6)]
    assert server.max_in_flight == 3


def test_complete_many_raises_the_first_error_after_all_finish() -> None:
    def respond(body: dict[str, Any], images: list[Image.Image]) -> Reply:
        text = body["messages"][1]["content"][1]["text"]
        return Reply(status=401, text="nope") if text == "request 1" else Reply(text="ok", delay=0.2)

    requests = [request(noise(56, 56), text=f"request {i}") for i in range(4)]
    with serve_chat(respond) as server, fast(server.url) as backend:
        with pytest.raises(BackendRejected) as info:
            backend.complete_many(requests)
        # The failure came back at once, yet the call waited for the slow ones to finish.
        assert (len(server.chat_requests), server.in_flight) == (4, 0)
    assert info.value.status == 401


def test_complete_many_of_nothing_is_nothing() -> None:
    with OpenAIBackend("http://127.0.0.1:9", model="m") as backend:
        assert backend.complete_many([]) == []


# -- configuration ------------------------------------------------------------------------


def test_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_chat(answer("ok"), model="env-model") as server:
        monkeypatch.setenv("MIMO_GUI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("MIMO_GUI_MODEL", "env-model")
        monkeypatch.setenv("MIMO_GUI_API_KEY", "sk-env")
        monkeypatch.setenv("MIMO_GUI_TIMEOUT", "12.5")
        with OpenAIBackend.from_env(max_retries=0) as backend:
            assert (backend.model, backend.timeout, backend.max_retries) == ("env-model", 12.5, 0)
            backend.complete(request(noise(56, 56)))
    got = server.chat_requests[0]
    assert got.headers["authorization"] == "Bearer sk-env"
    assert got.body is not None and got.body["model"] == "env-model"


def test_from_env_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIMO_GUI_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("MIMO_GUI_MODEL", "env-model")
    with OpenAIBackend.from_env("http://127.0.0.1:2/v1/", model="arg-model", timeout=3) as backend:
        assert (backend.chat_url, backend.model, backend.timeout) == (
            "http://127.0.0.1:2/v1/chat/completions",
            "arg-model",
            3.0,
        )


def test_from_env_without_a_url_names_both_ways_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIMO_GUI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match=r"MIMO_GUI_BASE_URL.*--base-url"):
        OpenAIBackend.from_env()


def test_from_env_bad_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIMO_GUI_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="MIMO_GUI_TIMEOUT"):
        OpenAIBackend.from_env("http://127.0.0.1:8000")


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/chat/completions"])
def test_base_url_forms_all_reach_the_endpoint(suffix: str) -> None:
    with serve_chat(answer("ok")) as server, fast(server.url + suffix, max_retries=0) as backend:
        assert backend.complete(request(noise(56, 56))).text == "ok"
    assert [r.path for r in server.requests] == ["/v1/chat/completions"]


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("http://gpu-box:8000", "http://gpu-box:8000/v1"),
        ("https://api.example.test/v1/", "https://api.example.test/v1"),
        ("http://host:8000/proxy/v1", "http://host:8000/proxy/v1"),
        ("http://host:8000/proxy", "http://host:8000/proxy/v1"),
    ],
)
def test_api_root(given: str, root: str) -> None:
    assert api_root(given) == root


@pytest.mark.parametrize("bad", ["ftp://host/v1", "localhost:8000", "not a url", "http://"])
def test_non_http_urls_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="bad server URL"):
        OpenAIBackend(bad, model="m")


@pytest.mark.parametrize(
    ("setting", "value"),
    [("timeout", 0), ("max_retries", -1), ("backoff", -0.1), ("concurrency", 0), ("image_format", "gif")],
)
def test_bad_settings_are_config_errors(setting: str, value: Any) -> None:
    expected = "image format" if setting == "image_format" else setting
    with pytest.raises(ConfigError, match=expected):
        OpenAIBackend("http://127.0.0.1:8000", **{setting: value})


@pytest.mark.parametrize("key", [None, "sk-local"])
def test_bearer_header_only_with_a_key(key: str | None) -> None:
    with serve_chat(answer("ok")) as server, fast(server.url, api_key=key) as backend:
        backend.complete(request(noise(56, 56)))
    headers = server.chat_requests[0].headers
    if key is None:
        assert "authorization" not in headers
    else:
        assert headers["authorization"] == f"Bearer {key}"
