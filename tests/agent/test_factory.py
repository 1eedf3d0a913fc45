"""Which backend a user gets from flags and environment."""

from __future__ import annotations

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.agent.backends.base import Backend, BackendBase, Capabilities, CompletionRequest
from mimo_gui.agent.backends.factory import choose_backend_kind, create_backend
from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.prompts.messages import Message


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MIMO_GUI_BACKEND", "MIMO_GUI_BASE_URL", "MIMO_GUI_MODEL", "MIMO_GUI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_openai_when_a_base_url_is_given_else_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_backend_kind(None, None) == "transformers"
    assert choose_backend_kind(None, "http://127.0.0.1:8000/v1") == "openai"
    monkeypatch.setenv("MIMO_GUI_BASE_URL", "http://127.0.0.1:8000/v1")
    assert choose_backend_kind(None, None) == "openai"
    assert choose_backend_kind("transformers", None) == "transformers"


def test_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIMO_GUI_BACKEND", "openai")
    assert choose_backend_kind(None, None) == "openai"
    monkeypatch.setenv("MIMO_GUI_BACKEND", "gemini")
    with pytest.raises(
        ConfigError, match="unknown backend 'gemini': expected one of openai, transformers, scripted"
    ):
        choose_backend_kind(None, None)


def test_create_openai_backend_with_its_options() -> None:
    backend = create_backend(
        None, base_url="http://127.0.0.1:9/v1", model="m", timeout=7, image_format="jpeg"
    )
    assert isinstance(backend, OpenAIBackend)
    assert (backend.model, backend.timeout, backend.image_format) == ("m", 7, "jpeg")
    backend.close()


def test_scripted_needs_a_script() -> None:
    with pytest.raises(ConfigError, match="--answers FILE"):
        create_backend("scripted")


# -- what each backend says it can do (callers plan on this instead of sniffing) --------------


def test_openai_capabilities_are_its_own_settings() -> None:
    built = create_backend("openai", base_url="http://127.0.0.1:9/v1", model="m", image_format="png")
    assert built.capabilities == Capabilities(batches=False, max_in_flight=16, image_format="png")
    built.close()
    with OpenAIBackend("http://127.0.0.1:9", model="m", concurrency=3, image_format="webp") as backend:
        assert backend.capabilities == Capabilities(batches=False, max_in_flight=3, image_format="webp")


def test_scripted_backend_is_plain_and_answers_many_in_order() -> None:
    backend = ScriptedBackend(lambda r: f"answer to {r.tag}")
    assert backend.capabilities == Capabilities(batches=False, max_in_flight=None, image_format=None)
    assert isinstance(backend, Backend) and isinstance(backend, BackendBase)
    requests = [CompletionRequest((Message.text("user", "go"),), tag=t) for t in ("a", "b", "c")]
    assert [c.text for c in backend.complete_many(requests)] == ["answer to a", "answer to b", "answer to c"]
    assert [r.tag for r in backend.requests] == ["a", "b", "c"]


def test_a_backend_without_complete_cannot_be_built() -> None:
    class Incomplete(BackendBase):
        name = "incomplete"

    with pytest.raises(TypeError, match="complete"):
        Incomplete()  # type: ignore[abstract]
