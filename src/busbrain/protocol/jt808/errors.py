"""The exception tree of the JT/T 808 codec.

    Jt808Error                      (busbrain.domain.errors.BusbrainError)
    ├── LocalProtocolError          we broke the protocol: a value that does not fit its
    │                               field, a message too long to send, no phone to send to
    └── RemoteProtocolError         the peer sent bytes we cannot use
        ├── FramingError            not a usable frame: too short, header cut off
        │   ├── EscapeError         0x7d followed by something other than 0x01 / 0x02
        │   ├── ChecksumError       the XOR check code does not verify
        │   └── FrameTooLongError   no closing 0x7e within the configured maximum
        ├── MessageDecodeError      the frame is good but its body does not fit the
        │                           layout of its message ID (includes a bad BCD time)
        └── ReassemblyError         a sub-package that cannot be placed (bad index,
                                    over the memory bound)

The split between local and remote follows h11: a `RemoteProtocolError` is the peer's
fault and is reported by `Jt808Session` as a `FrameRejected` event (the session carries
on with the next frame); a `LocalProtocolError` is a bug on our side and is raised.
Nothing else ever escapes the codec: the decoders translate `struct.error`,
`IndexError`, `ValueError` and `UnicodeError` into `MessageDecodeError` at the
boundary, as httpx maps httpcore exceptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbrain.domain.errors import BusbrainError

if TYPE_CHECKING:
    from busbrain.protocol.jt808.header import Header


class Jt808Error(BusbrainError):
    """Base of every error the JT/T 808 codec raises on purpose."""


class LocalProtocolError(Jt808Error):
    """Our side misused the codec: a value out of its field's range, a text that GBK
    cannot encode, a body over 1023 bytes sent without sub-packaging, no phone number."""


class RemoteProtocolError(Jt808Error):
    """The peer sent bytes that cannot be used. Never fatal to a session."""


class FramingError(RemoteProtocolError):
    """The bytes between two 0x7e flags are not a JT/T 808 frame."""


class EscapeError(FramingError):
    """A 0x7d escape byte not followed by 0x01 or 0x02 (or ending the frame)."""


class ChecksumError(FramingError):
    """The check code (XOR of header and body) does not match the frame's last byte.

    `expected` is the XOR computed over the received bytes, `received` the check byte.
    """

    def __init__(self, message: str, *, expected: int, received: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.received = received


class FrameTooLongError(FramingError):
    """More than the configured maximum of bytes without a closing 0x7e flag."""


class MessageDecodeError(RemoteProtocolError):
    """A well-framed message whose body does not fit its layout.

    `header` is the frame's header when it was decoded, so that the caller can answer
    0x8001 with result 2 (message error) quoting the peer's serial and message ID.
    """

    def __init__(self, message: str, *, header: Header | None = None) -> None:
        super().__init__(message)
        self.header = header


class ReassemblyError(RemoteProtocolError):
    """A sub-package that cannot be reassembled: index 0 or above the total, a total
    of 0, or a message that outgrows the session's memory bound."""
