"""What every message module provides, and the small helpers they share.

A message module holds one message ID: a frozen `msgspec.Struct` with a class-level
`msg_id`, `decode(body, header) -> message`, `encode(message, version) -> bytes`, and a
`CODEC` binding the three for the registry. Decoders may raise `MessageDecodeError`
themselves; `codec.decode_body` also maps `struct.error`, `IndexError`, `ValueError` and
`UnicodeError` to it, so a decoder that trips over short input cannot crash a session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from struct import Struct
from typing import Generic, TypeVar

from busbrain.protocol.jt808.errors import MessageDecodeError
from busbrain.protocol.jt808.header import Header
from busbrain.protocol.jt808.version import ProtocolVersion

M = TypeVar("M")

U8 = Struct(">B")
U16 = Struct(">H")
U32 = Struct(">I")


@dataclass(frozen=True, slots=True)
class MessageCodec(Generic[M]):
    """The decoder and encoder of one message ID."""

    msg_id: int
    message_type: type[M]
    decode: Callable[[bytes, Header], M]
    encode: Callable[[M, ProtocolVersion], bytes]


def need(body: bytes, size: int, what: str) -> None:
    """Raise `MessageDecodeError` unless `body` has at least `size` bytes."""
    if len(body) < size:
        raise MessageDecodeError(f"{what}: {len(body)} bytes, at least {size} needed")


def is_2019(version: ProtocolVersion) -> bool:
    return version == ProtocolVersion.V2019
