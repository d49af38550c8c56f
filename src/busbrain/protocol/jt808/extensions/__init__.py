"""Su-biao (苏标, T/JSATL 12-2017) active-safety additional items of 0x0200.

One module per item ID (0x64 ADAS, 0x65 DMS, 0x66 TPMS, 0x67 BSD), sharing the alarm
identification block in `common`. `ITEM_DECODERS` plugs them into the 0x0200 item
table. The Guangdong variant (粤标, T/GDRTA 002-2019) widens the terminal ID in the
identification from 7 to 30 bytes; the item lengths differ by 23, so the width is read
from the length and kept in `AlarmIdentification.terminal_id_width` for re-encoding.
"""

from __future__ import annotations

from collections.abc import Callable

from busbrain.protocol.jt808.extensions.adas_0x64 import AdasAlarm
from busbrain.protocol.jt808.extensions.bsd_0x67 import BsdAlarm
from busbrain.protocol.jt808.extensions.common import (
    AlarmIdentification,
    FlagStatus,
    SuBiaoVehicleStatus,
)
from busbrain.protocol.jt808.extensions.dms_0x65 import DmsAlarm
from busbrain.protocol.jt808.extensions.tpms_0x66 import TpmsAlarm, TyreState

SuBiaoItem = AdasAlarm | DmsAlarm | TpmsAlarm | BsdAlarm

ITEM_DECODERS: dict[int, Callable[[bytes], SuBiaoItem]] = {
    AdasAlarm.item_id: AdasAlarm.decode_value,
    DmsAlarm.item_id: DmsAlarm.decode_value,
    TpmsAlarm.item_id: TpmsAlarm.decode_value,
    BsdAlarm.item_id: BsdAlarm.decode_value,
}

__all__ = [
    "ITEM_DECODERS",
    "AdasAlarm",
    "AlarmIdentification",
    "BsdAlarm",
    "DmsAlarm",
    "FlagStatus",
    "SuBiaoItem",
    "SuBiaoVehicleStatus",
    "TpmsAlarm",
    "TyreState",
]
