"""What may enter Kring, checked once at the door (protocol/values.py, the codecs and the
method-file parser), without a server: every refusal is a clean error, never a crash."""

from __future__ import annotations

import math

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import errors, limits, values
from protocol.codec import JSON, MSGPACK
from protocol.errors import ProtocolError
from protocol.messages import parse_command, parse_create_room, parse_hello
from server.rooms import method, method_rules
from server.rooms.method import METHODS_DIR, MethodError


def nested(depth: int, leaf: object = 0) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@pytest.mark.parametrize(
    "value, why",
    [
        ("X\ud800", "lone surrogate"),
        ({"a\udfff": 1}, "lone surrogate"),
        ({1: "x"}, "map key is not a string"),
        (2**64, "64-bit"),
        (-(2**63) - 1, "64-bit"),
        (math.nan, "not finite"),
        (math.inf, "not finite"),
        (b"bytes", "binary data"),
        (msgpack.ExtType(5, b"x"), "msgpack extension"),
        (nested(limits.MAX_DEPTH + 1), f"more than {limits.MAX_DEPTH} levels"),
    ],
)
def test_what_neither_codec_nor_the_store_carries_is_refused(value, why):
    with pytest.raises(values.Uncarriable, match=why):
        values.check({"t": "ask", "text": value} if not isinstance(value, dict) else value, limits.MAX_DEPTH)


def test_a_deep_value_is_checked_without_recursion():
    deep = nested(100_000)  # far beyond the interpreter's recursion limit
    with pytest.raises(values.Uncarriable, match="levels deep"):
        values.check(deep)


plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(values.MIN_INT, values.MAX_INT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(plain)
def test_what_passes_the_check_both_codecs_carry_and_give_back(value):
    """The promise behind the check: a value that passes encodes in both codecs, and
    decodes to itself."""
    try:
        values.check(value)
    except values.Uncarriable:
        return  # only too deep, with this strategy
    assert MSGPACK.decode(MSGPACK.encode(value)) == value
    assert JSON.decode(JSON.encode(value)) == value


@pytest.mark.parametrize(
    "data, codec",
    [
        ('{"t":"ask","id":"a1","text":"X\\ud800"}', JSON),  # a lone surrogate, escaped
        ('{"t":"ask","id":"a1","text":NaN}', JSON),
        ("[" * 2000 + "]" * 2000, JSON),  # deeper than orjson goes: refused while decoding
        (b"\xa3\xed\xa0\x80", MSGPACK),  # a surrogate's UTF-8 bytes: not valid UTF-8
        (b"\xa1\xff", MSGPACK),
        (b"\x91" * 70_000 + b"\xc0", MSGPACK),  # deeper than msgpack's own stack
    ],
)
def test_the_codecs_refuse_what_is_not_valid_text_or_too_deep_as_malformed(data, codec):
    with pytest.raises(ProtocolError) as err:
        codec.decode(data)
    assert err.value.code == errors.MALFORMED


def test_every_way_in_refuses_an_uncarriable_value_with_malformed_and_keeps_a_readable_id():
    deep = nested(limits.MAX_DEPTH + 1, "x")
    with pytest.raises(ProtocolError) as err:
        parse_command({"t": "ask", "id": "a1", "text": "X\ud800"})
    assert (err.value.code, err.value.command_id) == (errors.MALFORMED, "a1")
    with pytest.raises(ProtocolError) as err:
        parse_command({"t": "ask", "id": "a\ud800", "text": "x"})
    assert (err.value.code, err.value.command_id) == (errors.MALFORMED, None)  # never echoed
    for parse, frame in [
        (parse_hello, {"t": "hello", "code": "ABCDEF", "name": "X\ud800"}),
        (parse_hello, {"t": "hello", "code": "ABCDEF", "name": deep}),
        (parse_create_room, {"facilitator_name": "F\ud800"}),
        (parse_create_room, {"language": deep}),
    ]:
        with pytest.raises(ProtocolError) as err:
            parse(frame)
        assert err.value.code == errors.MALFORMED
        MSGPACK.encode(err.value.frame())  # the refusal itself can always be sent
        JSON.encode(err.value.frame())


def test_a_facilitator_name_of_only_spaces_is_refused():
    with pytest.raises(ProtocolError) as err:
        parse_create_room({"facilitator_name": "   "})
    assert err.value.code == errors.INVALID_FIELD
    assert parse_create_room({}) == {}


SHIPPED = (METHODS_DIR / "drie-rondes.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, why",
    [
        ("a = " + "[" * 30_000, "levels deep"),  # would exhaust tomllib's recursion
        ("a = " + "{b = " * 3_000 + "1" + "}" * 3_000, "levels deep"),
        ('a = "\\ud800"', "not valid TOML"),
        ("a = 99999999999999999999999", "64-bit"),
        ("a = 1979-05-27", "date"),
        (SHIPPED.replace("minutes = 20", "minutes = 99999999999999999999999", 1), "64-bit"),
        (SHIPPED.replace("minutes = 20", "minutes = nan", 1), "not finite"),
    ],
)
def test_a_method_file_that_no_room_could_carry_is_refused(text, why):
    with pytest.raises(MethodError, match=why):
        method.from_toml(text)


def test_brackets_in_strings_and_comments_do_not_count_as_nesting():
    text = "# [[[[[[[[[[[[[[[[[[[[\n" + 'x = "[[[[[[[[[[[[[[[[[[[[["\n' + "y = '''\n" + "[" * 40 + "\n'''\n"
    assert method_rules.nesting(text) == 0
    assert method_rules.nesting(SHIPPED) <= 3


def test_windows_line_endings_are_plain_newlines_in_the_longer_texts():
    """A method file saved on Windows was refused for its carriage returns."""
    cmd = parse_command({"t": "set_method", "id": "m1", "method_toml": SHIPPED.replace("\n", "\r\n")})
    assert "\r" not in cmd.args["method_toml"]
    assert method.from_toml(cmd.args["method_toml"]).id == "drie-rondes"
    cmd = parse_command({"t": "share_case", "id": "c1", "text": "Eerst dit.\r\nDan dat.\rKlaar.", "people": []})
    assert cmd.args["text"] == "Eerst dit.\nDan dat.\nKlaar."
    with pytest.raises(ProtocolError, match="contains control characters"):
        parse_command({"t": "ask", "id": "a1", "text": "x\x00y"})


def test_a_range_without_an_upper_bound_is_said_plainly():
    with pytest.raises(ProtocolError) as err:
        parse_hello({"t": "hello", "token": "ABCDEF.x", "epoch": "e", "seq": -1})
    assert err.value.detail == "'seq' must be at least 0"


def test_a_hello_has_no_id_and_a_new_room_is_not_a_command():
    for frame in [
        {"t": "hello", "code": "ABCDEF", "name": "Anna", "id": "h1"},
        {"t": "hello", "token": "A.b", "id": 1},
    ]:
        with pytest.raises(ProtocolError, match="unexpected field 'id'"):
            parse_hello(frame)
    with pytest.raises(ProtocolError, match="unexpected field 't'"):
        parse_create_room({"t": "ask"})
