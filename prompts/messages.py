"""Chat messages as the model sees them, and the sampling settings that go with them.

Plain frozen dataclasses: they never cross a process boundary as they are. A backend
turns them into its wire format (OpenAI JSON, a chat template); the recorder writes
their text with `Message.text_view`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ImagePart", "Message", "Part", "Role", "Sampling", "TextPart"]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class ImagePart:
    """An image already framed for the model (see `Frame.apply`): sent as it is."""

    image: Image.Image

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


Part = TextPart | ImagePart


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: tuple[Part, ...] = field(default_factory=tuple)

    @classmethod
    def text(cls, role: Role, text: str) -> Message:
        return cls(role, (TextPart(text),))

    def text_view(self) -> str:
        """The message's text with each image shown as ``<image WxH>``: what the recorder keeps."""
        return "".join(
            p.text if isinstance(p, TextPart) else f"<image {p.size[0]}x{p.size[1]}>" for p in self.content
        )


class Sampling(BaseModel):
    """Decoding settings for one request. ``temperature=0`` means greedy."""

    model_config = ConfigDict(frozen=True)

    temperature: float = Field(default=0.3, ge=0)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int = Field(default=4096, ge=1)
    seed: int | None = None
