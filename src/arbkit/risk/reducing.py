"""Whether an intent only reduces risk: the one test every "reducing intents still pass" control uses.

Reducing is judged on the worst-case position of the intent's instrument: position plus the lots of
same-side working (open and in-flight) orders, before and after the intent
(:func:`arbkit.risk.rules.worst_case_move`). The intent reduces when that position moves towards zero
without crossing it; a flip through zero increases risk.
"""

from __future__ import annotations

from arbkit.core.enums import Side
from arbkit.core.messages import OrderIntent
from arbkit.risk.context import RuleContext
from arbkit.risk.rules import is_reducing, worst_case_move


def judge_reducing(intent: OrderIntent, ctx: RuleContext) -> tuple[bool, str]:
    """``(reduces, why)``: whether ``intent`` only reduces its worst-case position, and a phrase saying so.

    An intent without a known instrument, a side or an int quantity, or with invalid exposure, is judged
    not reducing (a control that lets only reducing intents through then refuses it).
    """
    instrument = ctx.instrument
    qty = intent.qty_lots
    if instrument is None or not isinstance(intent.side, Side) or isinstance(qty, bool) or not isinstance(qty, int):
        return False, "no instrument, side or quantity to judge"
    position = ctx.exposure.position_lots(instrument.id)
    working = ctx.exposure.open_order_lots(instrument.id, intent.side)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (position, working)) or working < 0:
        return False, f"invalid exposure: position {position!r}, working {working!r}"
    before, after = worst_case_move(intent.side, qty, position, working)
    reducing = is_reducing(before, after)
    verdict = "reduces" if reducing else "increases"
    return reducing, (f"intent {verdict} worst-case position {instrument.lots_to_size(before)} -> "
                      f"{instrument.lots_to_size(after)}")
