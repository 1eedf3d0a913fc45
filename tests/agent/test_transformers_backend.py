"""`TransformersBackend` on a tiny random Qwen2.5-VL built offline, loaded the way users load MiMo-VL."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from PIL import Image

from mimo_gui.actions.errors import BackendError, ConfigError, ModelNotFoundError
from mimo_gui.agent.backends.base import Backend, Capabilities, Completion, CompletionRequest
from mimo_gui.agent.backends.transformers import TransformersBackend, load_model, to_hf_conversation
from mimo_gui.prompts.messages import ImagePart, Message, Sampling, TextPart
from tests.support.tiny_qwen import TINY_SYSTEM_PROMPT, build_tiny_qwen

pytestmark = pytest.mark.local_model

GREEDY = Sampling(temperature=0, max_tokens=8)


class RecordingBackend(TransformersBackend):
    """Keeps the inputs of every ``generate`` call, to show how requests were batched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[dict[str, Any]] = []

    def _generate(self, inputs: Any, generate_kwargs: dict[str, Any]) -> Any:
        self.batches.append({"inputs": inputs, "kwargs": generate_kwargs})
        return super()._generate(inputs, generate_kwargs)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen(tmp_path_factory.mktemp("tiny-qwen"))


@pytest.fixture(scope="module")
def backend(tiny_model: Path) -> Iterator[RecordingBackend]:
    b = RecordingBackend(str(tiny_model))
    yield b
    b.close()


@pytest.fixture
def recording(backend: RecordingBackend) -> RecordingBackend:
    backend.batches.clear()
    return backend


def noise(width: int, height: int, seed: int) -> Image.Image:
    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def request(
    width: int, height: int, text: str, *, seed: int = 0, sampling: Sampling = GREEDY
) -> CompletionRequest:
    image = ImagePart(noise(width, height, seed))
    return CompletionRequest((Message("user", (image, TextPart(text))),), sampling)


def image_pad_id(backend: TransformersBackend) -> int:
    return int(backend._processor.tokenizer.convert_tokens_to_ids("<|image_pad|>"))


def text_token_count(backend: TransformersBackend, req: CompletionRequest) -> int:
    """Tokens of the rendered prompt with each image placeholder still a single token."""
    processor = backend._processor
    rendered = processor.apply_chat_template(
        to_hf_conversation(req.messages), tokenize=False, add_generation_prompt=True
    )
    return len(processor.tokenizer(rendered)["input_ids"])


def test_is_a_backend(backend: RecordingBackend, tiny_model: Path) -> None:
    assert isinstance(backend, Backend)
    assert backend.name == "transformers"
    assert backend.model == str(tiny_model)
    # It batches in one generate; no connection pool; images never leave the process.
    assert backend.capabilities == Capabilities(batches=True, max_in_flight=None, image_format=None)


def test_image_and_text_request_reports_consistent_usage(backend: RecordingBackend, tiny_model: Path) -> None:
    req = request(84, 56, "Click the blue button.")
    out = backend.complete(req)

    image_tokens = (84 // 28) * (56 // 28)
    assert out.prompt_tokens == text_token_count(backend, req) - 1 + image_tokens
    assert out.completion_tokens is not None
    assert 1 <= out.completion_tokens <= GREEDY.max_tokens
    assert (out.finish_reason == "length") == (out.completion_tokens == GREEDY.max_tokens)
    assert out.model == str(tiny_model)
    assert out.latency_s > 0


def test_greedy_is_deterministic_and_sees_the_image(backend: RecordingBackend) -> None:
    first = backend.complete(request(112, 84, "Open the settings menu.", seed=1))
    second = backend.complete(request(112, 84, "Open the settings menu.", seed=1))
    other_image = backend.complete(request(112, 84, "Open the settings menu.", seed=2))

    assert (first.text, first.completion_tokens) == (second.text, second.completion_tokens)
    assert first.text != other_image.text


def test_complete_many_batches_in_one_generate_with_left_padding(recording: RecordingBackend) -> None:
    requests = [
        request(56, 84, "Click the blue button.", seed=3),
        request(280, 140, "Type hello world into the search box, then open the settings menu.", seed=4),
        request(112, 112, "x", seed=5),
    ]
    one_by_one = [recording.complete(r) for r in requests]
    recording.batches.clear()

    together = recording.complete_many(requests)

    assert len(recording.batches) == 1
    ids = recording.batches[0]["inputs"]["input_ids"]
    assert ids.shape[0] == 3
    # The prompts differ in length, so some rows are padded; the padding must be on the left.
    mask = recording.batches[0]["inputs"]["attention_mask"]
    assert mask.sum(dim=1).tolist() != [ids.shape[1]] * 3
    assert mask[:, -1].tolist() == [1, 1, 1]
    assert [c.text for c in together] == [c.text for c in one_by_one]
    assert [c.prompt_tokens for c in together] == [c.prompt_tokens for c in one_by_one]
    assert [c.completion_tokens for c in together] == [c.completion_tokens for c in one_by_one]
    assert len({c.latency_s for c in together}) == 1


def test_complete_many_chunks_by_batch_size(tiny_model: Path) -> None:
    b = RecordingBackend(str(tiny_model), batch_size=2)
    try:
        requests = [request(56, 56, f"step {i}", seed=i) for i in range(5)]
        out = b.complete_many(requests)
        assert [batch["inputs"]["input_ids"].shape[0] for batch in b.batches] == [2, 2, 1]
        assert [c.text for c in out] == [b.complete(r).text for r in requests]
    finally:
        b.close()


def test_complete_many_splits_by_sampling_and_keeps_order(recording: RecordingBackend) -> None:
    short = Sampling(temperature=0, max_tokens=2)
    longer = Sampling(temperature=0, max_tokens=5)
    requests = [
        request(56, 56, "a", seed=6, sampling=short),
        request(56, 56, "b", seed=7, sampling=longer),
        request(56, 56, "c", seed=8, sampling=short),
    ]
    out = recording.complete_many(requests)

    sent = sorted(
        (b["kwargs"]["max_new_tokens"], b["inputs"]["input_ids"].shape[0]) for b in recording.batches
    )
    assert sent == [(2, 2), (5, 1)]
    assert [c.completion_tokens for c in out] == [2, 5, 2]
    assert [c.finish_reason for c in out] == ["length"] * 3
    assert out[1].text == recording.complete(requests[1]).text


def test_images_are_not_resized_again(recording: RecordingBackend, tiny_model: Path) -> None:
    import json

    saved = json.loads((tiny_model / "processor_config.json").read_text())["image_processor"]["size"]
    big, small = (1036, 1008), (28, 28)
    # Both lie outside the processor's saved bounds, so leaving them alone is the backend's doing.
    assert big[0] * big[1] > saved["longest_edge"]
    assert small[0] * small[1] < saved["shortest_edge"]
    req = CompletionRequest(
        (
            Message(
                "user",
                (ImagePart(noise(*big, seed=9)), ImagePart(noise(*small, seed=10)), TextPart("Where is it?")),
            ),
        ),
        GREEDY,
    )
    out = recording.complete(req)

    inputs = recording.batches[-1]["inputs"]
    assert inputs["image_grid_thw"].tolist() == [[1, 1008 // 14, 1036 // 14], [1, 2, 2]]
    image_tokens = (1036 // 28) * (1008 // 28) + 1
    assert int((inputs["input_ids"] == image_pad_id(recording)).sum()) == image_tokens
    assert out.prompt_tokens == text_token_count(recording, req) - 2 + image_tokens


def test_prompt_uses_the_models_chat_template_and_keeps_part_order(recording: RecordingBackend) -> None:
    req = CompletionRequest(
        (
            Message(
                "user", (ImagePart(noise(56, 56, seed=11)), TextPart("Click OK."), TextPart(" /no_think"))
            ),
        ),
        GREEDY,
    )
    recording.complete(req)

    ids = recording.batches[-1]["inputs"]["input_ids"][0].tolist()
    prompt = recording._processor.tokenizer.decode(ids, skip_special_tokens=False)
    assert TINY_SYSTEM_PROMPT in prompt
    assert "<|vision_start|>" + "<|image_pad|>" * 4 + "<|vision_end|>Click OK. /no_think<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_max_tokens_cuts_the_answer(backend: RecordingBackend) -> None:
    out = backend.complete(request(56, 56, "Click", sampling=Sampling(temperature=0, max_tokens=3)))
    assert out.finish_reason == "length"
    assert out.completion_tokens == 3


def test_end_of_turn_is_reported_as_stop(tmp_path: Path) -> None:
    b = TransformersBackend(str(build_tiny_qwen(tmp_path / "stops", stops_at_once=True)))
    try:
        out = b.complete_many([request(56, 56, "Click", seed=12), request(84, 56, "Type it", seed=13)])
    finally:
        b.close()
    # The end-of-turn token counts as generated but is special, so the text is empty.
    assert [(c.text, c.completion_tokens, c.finish_reason) for c in out] == [("", 1, "stop")] * 2


def test_seeded_sampling_repeats(backend: RecordingBackend) -> None:
    def sample(seed: int) -> Completion:
        sampling = Sampling(temperature=1.0, top_p=1.0, max_tokens=8, seed=seed)
        return backend.complete(request(56, 56, "Click", sampling=sampling))

    assert sample(1).text == sample(1).text
    assert len({sample(s).text for s in range(1, 5)}) > 1


def test_closed_backend_refuses(tiny_model: Path) -> None:
    b = TransformersBackend(str(tiny_model))
    b.close()
    with pytest.raises(BackendError, match="closed"):
        b.complete(request(56, 56, "Click"))


def test_load_model_returns_a_left_padding_processor(tiny_model: Path) -> None:
    model, processor = load_model(str(tiny_model), device="cpu", dtype="float32")
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    assert not model.training
    assert str(model.device) == "cpu"
    assert processor.tokenizer.padding_side == "left"


def test_bad_settings_are_config_errors(tiny_model: Path) -> None:
    with pytest.raises(ConfigError, match="dtype 'int3'"):
        load_model(str(tiny_model), dtype="int3")
    with pytest.raises(ConfigError, match="batch_size"):
        TransformersBackend(str(tiny_model), batch_size=0)
    with pytest.raises(ConfigError, match="device 'toaster'"):
        load_model(str(tiny_model), device="toaster")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Offline mode, and a record of (refused) attempts to reach anything but loopback."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable once, at import, which has already happened.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError(f"test forbids network access to {address!r}")
        real_connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(host)
        raise socket.gaierror(f"test forbids resolving {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempts


def test_unknown_model_offline_is_model_not_found(no_network: list[object]) -> None:
    model_id = "mimo-gui-tests/no-such-model-7b"
    with pytest.raises(ModelNotFoundError) as info:
        TransformersBackend(model_id)

    message = str(info.value)
    assert model_id in message
    assert "--base-url" in message
    assert "HF_HUB_OFFLINE" in message
    assert "\n" not in message
    assert info.value.model == model_id
    assert info.value.__cause__ is not None
    assert no_network == []


def test_missing_folder_is_model_not_found(tmp_path: Path, no_network: list[object]) -> None:
    folder = str(tmp_path / "not-here")
    with pytest.raises(ModelNotFoundError, match="does not exist") as info:
        load_model(folder)
    assert folder in str(info.value)
    assert "--base-url" in str(info.value)
    assert no_network == []


class FakeHub:
    """A stand-in for huggingface.co on loopback (``HF_ENDPOINT``) that records every request.

    ``answer``: ``"hang up"`` closes each connection without a reply (a hub that cannot be
    reached), ``"no such repo"`` answers as the hub does for an unknown repository.
    """

    def __init__(self, answer: str) -> None:
        import http.server
        import threading

        self.requests: list[str] = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_HEAD(self) -> None:
                self._answer()

            def _answer(self) -> None:
                hub.requests.append(f"{self.command} {self.path}")
                if answer == "hang up":
                    self.close_connection = True
                    return
                body = b'{"error": "Repository not found"}'
                self.send_response(404)
                self.send_header("X-Error-Code", "RepoNotFound")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def model_requests(self) -> list[str]:
        """The requests about test models (huggingface_hub may also ask for a registry of its own)."""
        return [r for r in self.requests if "mimo-gui-tests" in r]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_LOAD = """
import sys
from mimo_gui.actions.errors import ModelNotFoundError
from mimo_gui.agent.backends.transformers import load_model
try:
    model, processor = load_model(sys.argv[1])
    print("loaded", type(model).__name__)
except ModelNotFoundError as exc:
    print("not found:", exc)
"""


def load_in_subprocess(model_id: str, hf_home: Path, hub: FakeHub) -> str:
    """``load_model(model_id)`` in a fresh interpreter: huggingface_hub reads HF_ENDPOINT at import."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(hf_home), HF_ENDPOINT=hub.url, HF_HUB_DISABLE_TELEMETRY="1")
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, model_id], capture_output=True, text=True, env=env, timeout=240
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_cached_hub_model_loads_without_touching_the_network(tmp_path: Path, tiny_model: Path) -> None:
    import shutil

    # The Hugging Face cache's own layout: a snapshot per commit, and refs/main naming it.
    repo = tmp_path / "hf" / "hub" / "models--mimo-gui-tests--tiny-cached"
    commit = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(tiny_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    hub = FakeHub("hang up")
    try:
        said = load_in_subprocess("mimo-gui-tests/tiny-cached", tmp_path / "hf", hub)
    finally:
        hub.close()
    assert said == "loaded Qwen2_5_VLForConditionalGeneration"
    assert hub.model_requests == []


def test_an_unreachable_hub_is_reported_after_one_try(tmp_path: Path) -> None:
    hub = FakeHub("hang up")
    try:
        said = load_in_subprocess("mimo-gui-tests/not-cached", tmp_path / "hf", hub)
    finally:
        hub.close()
    assert said.startswith("not found: model 'mimo-gui-tests/not-cached' is not on this machine")
    assert "the hub could not be reached" in said and "--base-url" in said
    # one probe, not huggingface_hub's five retries for each of the processor's files
    assert hub.model_requests == ["GET /api/models/mimo-gui-tests/not-cached"]


def test_a_model_the_hub_does_not_have_is_reported_after_one_try(tmp_path: Path) -> None:
    hub = FakeHub("no such repo")
    try:
        said = load_in_subprocess("mimo-gui-tests/not-cached", tmp_path / "hf", hub)
    finally:
        hub.close()
    assert "the hub has no such repository, or it is gated and no token was given" in said
    assert hub.model_requests == ["GET /api/models/mimo-gui-tests/not-cached"]


def test_to_hf_conversation_keeps_part_order() -> None:
    image = ImagePart(noise(28, 28, seed=0))
    messages = (
        Message.text("system", "Be brief."),
        Message("user", (image, TextPart("Click OK."), TextPart(" /no_think"))),
    )
    assert to_hf_conversation(messages) == [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {
            "role": "user",
            "content": [
                {"type": "image"},
                {"type": "text", "text": "Click OK."},
                {"type": "text", "text": " /no_think"},
            ],
        },
    ]


def test_importing_the_backend_does_not_import_torch() -> None:
    code = (
        "import sys, mimo_gui.agent, mimo_gui.agent.backends.transformers; "
        "print(sorted(m for m in ('torch', 'transformers', 'accelerate') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
