"""0x9212 (su-biao) upload finished response: a hand-assembled body, and what the codec
refuses."""

from __future__ import annotations

import pytest

import busbrain.protocol.jt808 as j
from busbrain.protocol.jt808.messages import m9212_upload_finished_response as m

# "00_64_6401_0_a.jpg" (18 bytes), image, re-send needed, 2 ranges: 600+430 and 2048+1024
BODY = bytes.fromhex(
    "12" + b"00_64_6401_0_a.jpg".hex() + "00" + "01" + "02"
    "00000258" "000001ae" "00000800" "00000400"
)  # fmt: skip
RESPONSE = j.UploadFinishedResponse("00_64_6401_0_a.jpg", 0, 1, ((600, 430), (2048, 1024)))
HEADER = j.Header(0x9212, "013912345678", 1)


def test_golden_body_decodes_and_encodes() -> None:
    assert m.decode(BODY, HEADER) == RESPONSE
    assert m.encode(RESPONSE, j.ProtocolVersion.V2013) == BODY


def test_done_has_no_ranges() -> None:
    done = j.UploadFinishedResponse("b.mp4", 2, m.RESULT_DONE)
    body = m.encode(done, j.ProtocolVersion.V2019)
    assert body == b"\x05b.mp4\x02\x00\x00"
    assert m.decode(body, HEADER) == done


def test_frame_round_trip_through_the_registry() -> None:
    wire = j.encode_message(RESPONSE, phone="013912345678", serial=7)
    frame = j.decode_frame(wire)
    assert j.decode_body(frame.header, frame.body) == RESPONSE


@pytest.mark.parametrize("cut", [0, 5, len(BODY) - 1])
def test_short_body_is_refused_naming_the_message(cut: int) -> None:
    with pytest.raises(j.MessageDecodeError, match="0x9212"):
        m.decode(BODY[:cut], HEADER)


def test_more_than_255_ranges_do_not_fit() -> None:
    many = j.UploadFinishedResponse("a.jpg", 0, 1, ((0, 1),) * 256)
    with pytest.raises(j.LocalProtocolError, match="255"):
        m.encode(many, j.ProtocolVersion.V2013)
