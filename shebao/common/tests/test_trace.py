from datetime import date
from decimal import Decimal

from shebao.common.trace import FINAL, PROVISIONAL, Param, ParamRef, Trace


def _param(value, status=FINAL):
    ref = ParamRef("base.floor", "220200", date(2020, 1, 1), date(2020, 6, 30), status, "seed 000")
    return Param(value, ref)


def test_trace_records_params_once_and_steps_in_order():
    trace = Trace("contribution.base", "缴费基数核定", inputs={"wage": Decimal("5000")})
    floor = trace.use(_param(Decimal("2767")))
    trace.use(_param(Decimal("2767")))
    trace.step("缴费基数", "max(5000, 2767)", max(Decimal("5000"), floor))
    data = trace.as_dict()
    assert data["inputs"] == {"wage": "5000"}
    assert len(data["params"]) == 1
    assert data["steps"] == [{"label": "缴费基数", "formula": "max(5000, 2767)", "value": "5000"}]
    assert data["provisional"] is False


def test_a_provisional_parameter_in_a_nested_trace_marks_the_whole_result():
    outer = Trace("outer", "外层")
    inner = outer.child(Trace("inner", "内层"))
    inner.use(_param(Decimal("2767"), PROVISIONAL))
    assert outer.provisional
    assert outer.as_dict()["provisional"] is True
