"""EnvBase refuses to build an adapter that lacks observe or execute (as mss's test_incomplete_class:
BoboTiG/python-mss src/tests/test_implementation.py)."""

from __future__ import annotations

import pytest
from PIL import Image

from mimo_gui.actions import Action, Click, Point
from mimo_gui.env_adapters.base import ActionResult, EnvBase, Observation


class NoExecute(EnvBase):
    def observe(self) -> Observation:
        return Observation(image=Image.new("RGB", (4, 4)))


class NoObserve(EnvBase):
    def execute(self, action: Action) -> ActionResult:
        return ActionResult(action=action)


class Complete(NoExecute, NoObserve):
    supported_actions = frozenset({Click})


@pytest.mark.parametrize(("cls", "missing"), [(NoExecute, "execute"), (NoObserve, "observe")])
def test_an_incomplete_adapter_cannot_be_built(cls: type[EnvBase], missing: str) -> None:
    with pytest.raises(TypeError, match=rf"Can't instantiate abstract class {cls.__name__} .*{missing}"):
        cls()


def test_a_complete_adapter_is_built_and_works() -> None:
    with Complete() as env:
        assert env.observe().size == (4, 4)
        click = Click(point=Point(x=1, y=1))
        assert env.execute(click).action == click
