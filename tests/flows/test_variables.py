"""``${name}``, ``${name.field}``, ``$${`` and ``${secret:NAME}`` in flow text; the schema mini-language."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from mimo_gui.actions import ConfigError
from mimo_gui.agent.secrets import SecretText
from mimo_gui.flows import SchemaTypeError, VariableError, build_schema_model, parse_var
from mimo_gui.flows.variables import references, substitute


class Count(BaseModel):
    count: int
    names: list[str]


VALUES = {"user": "alice", "n": Count(count=3, names=["a", "b"]), "raw": {"k": {"j": 1}}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello ${user}", "hello alice"),
        ("${ user }!", "alice!"),
        ("${n.count} reports", "3 reports"),
        ("${n.names}", '["a", "b"]'),
        ("${n}", '{"count":3,"names":["a","b"]}'),
        ("${raw.k.j}", "1"),
        ("costs $${price} and $5", "costs ${price} and $5"),
        ("no variables", "no variables"),
    ],
)
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, VALUES) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${nobody}", "unknown variable 'nobody' in ${nobody}"),
        ("${n.total}", "${n.total}: n has no field 'total'"),
        ("${user name}", "${user name} is not a variable: write ${name}, ${name.field} or ${secret:NAME}"),
        ("${secret:PW}", "${secret:PW} may only appear in the text of a type step"),
    ],
)
def test_substitute_refuses(text: str, message: str) -> None:
    with pytest.raises(VariableError) as caught:
        substitute(text, VALUES)
    assert str(caught.value) == message and isinstance(caught.value, ConfigError)


def test_typed_text_keeps_secrets_as_placeholders_until_revealed() -> None:
    typed = substitute("${user}:${secret:FLOW_PW}", VALUES, keep_secrets=True)
    assert typed == "alice:${secret:FLOW_PW}"
    secret = SecretText.parse(typed)
    assert isinstance(secret, SecretText) and str(secret) == typed
    assert secret.reveal({"FLOW_PW": "hunter2"}) == "alice:hunter2"
    assert [r.name for r in references(typed) if r.secret] == ["FLOW_PW"]


def test_a_value_holding_a_secret_placeholder_is_never_typed() -> None:
    # A page could make a model's answer name a secret; typing it would reveal the secret there.
    with pytest.raises(VariableError, match=r"the value of \$\{who\} holds a \$\{secret:...\} placeholder"):
        substitute("${who}", {"who": "${secret:FLOW_PW}"}, keep_secrets=True)
    with pytest.raises(VariableError, match="cannot be escaped in typed text"):
        substitute("$${secret:FLOW_PW} ${secret:X}", {}, keep_secrets=True)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [("user=alice", ("user", "alice")), ("url=http://x/?a=b", ("url", "http://x/?a=b")), ("e=", ("e", ""))],
)
def test_parse_var(arg: str, expected: tuple[str, str]) -> None:
    assert parse_var(arg) == expected


@pytest.mark.parametrize("arg", ["user", "1x=2", "a-b=c"])
def test_parse_var_refuses(arg: str) -> None:
    with pytest.raises(ConfigError, match=f"--var '{arg}'"):
        parse_var(arg)


def test_schema_types_build_nested_models() -> None:
    model = build_schema_model(
        {"count": "int", "ratio": "float", "ok": "bool", "tags": "list[str]", "maybe": "int | None",
         "opt": "optional[str]", "newest": {"title": "str", "pages": "int"}, "rows": [{"name": "str"}],
         "grid": "list[list[int]]"}
    )  # fmt: skip
    value = model.model_validate(
        {"count": 2, "ratio": 0.5, "ok": True, "tags": ["a"], "maybe": None, "opt": "x",
         "newest": {"title": "T", "pages": 3}, "rows": [{"name": "r"}], "grid": [[1, 2]]}
    )  # fmt: skip
    assert value.model_dump()["newest"] == {"title": "T", "pages": 3}
    assert value.model_dump()["rows"] == [{"name": "r"}]
    with pytest.raises(ValidationError):  # every field is required, extra keys refused
        model.model_validate({"count": 2})
    with pytest.raises(ValidationError):
        build_schema_model({"count": "int"}).model_validate({"count": 1, "extra": 2})
    with pytest.raises(ValidationError):
        build_schema_model({"count": "int"}).model_validate({"count": "many"})


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        ({"a": "integer"}, ("a",), "unknown type 'integer'"),
        ({"a": {"b": "list[strr]"}}, ("a", "b"), "unknown type 'strr'"),
        ({"a": ["int", "str"]}, ("a",), "a list type is written [T] with one item, got 2"),
        ({"a": {}}, ("a",), "a schema map needs at least one field"),
        ({"bad key": "int"}, ("bad key",), "field name 'bad key' is not a name"),
        ({"a": 3}, ("a",), "3 is not a type"),
    ],
)
def test_schema_types_refuse(spec: dict, path: tuple, message: str) -> None:
    with pytest.raises(SchemaTypeError) as caught:
        build_schema_model(spec)
    assert caught.value.path == path and str(caught.value).startswith(message)
