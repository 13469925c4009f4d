"""Memory orders: the MemoryOrder enum and its validators, which order each
operation accepts (COMPAT: store refuses ACQUIRE/ACQ_REL; load and bit_test
refuse RELEASE/ACQ_REL; cmpxchg's failure order must be a valid fail order for
its success order; read-modify-write operations accept all), the
MemoryOrderError they raise, and arguments that are no order at all."""
import pytest

import atomics
from atomics import BYTES, INT, UINT, MemoryOrder, OpType
from atomics.exc import MemoryOrderError

from api_support import (
    ATYPE_IDS, ATYPES, BAD_ORDERS, INTEGRAL_OPS, OPTYPE, ORDERS, VALUE_OPS, VALUE_PARAMS,
    Model, guarded_view, make_owned, order_params,
)

R, A, REL, AR, SC = (MemoryOrder.RELAXED, MemoryOrder.ACQUIRE, MemoryOrder.RELEASE,
                     MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)


def test_enum_values():
    assert [(o.name, o.value) for o in MemoryOrder] == [
        ("RELAXED", 0), ("ACQUIRE", 2), ("RELEASE", 3), ("ACQ_REL", 4), ("SEQ_CST", 5)]
    assert not hasattr(MemoryOrder, "CONSUME")
    with pytest.raises(ValueError):
        MemoryOrder(1)


def test_validators():
    assert [o for o in MemoryOrder if o.is_valid_store_order()] == [R, REL, SC]
    assert [o for o in MemoryOrder if o.is_valid_load_order()] == [R, A, SC]
    valid_fail = {(s, f) for s in MemoryOrder for f in MemoryOrder
                  if f.is_valid_fail_order(s)}
    assert valid_fail == {(s, f) for s in MemoryOrder for f in (R, A, SC) if f <= s}


def ops_of(atype):
    """The operations an object of atype has (BYTES: no arithmetic)."""
    return VALUE_OPS if atype is BYTES else INTEGRAL_OPS


def call(obj, name, order_args):
    """Calls method `name` with valid values and the given order(s)."""
    m = Model(obj.width, {True: INT, False: UINT}.get(getattr(obj, "signed", None), BYTES))
    values = {"desired": m.to_py(0), "expected": m.to_py(0), "value": m.to_py(0), "index": 0}
    args = [values[p] for p in VALUE_PARAMS[name]]
    return getattr(obj, name)(*args, *order_args)


def accepted(name, order):
    optype = OPTYPE[name]
    if optype is OpType.STORE:
        return order.is_valid_store_order()
    if optype in (OpType.LOAD, OpType.BIT_TEST):
        return order.is_valid_load_order()
    return True


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
@pytest.mark.parametrize("width", [1, 4, 8, 11, 16])
def test_single_order_rules(width, atype):
    a = make_owned(width, atype)
    for name in ops_of(atype):
        if name.startswith("cmpxchg"):
            continue
        for order in ORDERS:
            for form in (order, int(order)):
                if accepted(name, order):
                    call(a, name, [form])
                else:
                    with pytest.raises(MemoryOrderError) as exc_info:
                        call(a, name, [form])
                    e = exc_info.value
                    assert (e.optype, e.order, e.is_fail) == (OPTYPE[name], order, False)
                    assert type(e.optype) is OpType and type(e.order) is MemoryOrder
                    article = "an" if e.optype.name[0] in "AEIOU" else "a"
                    assert str(e) == (f"{order.name} is not a valid memory order for "
                                      f"{article} {e.optype.name} operation.")


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
@pytest.mark.parametrize("name", ["cmpxchg_weak", "cmpxchg_strong"])
def test_cmpxchg_order_rules(name, atype):
    a = make_owned(8, atype)
    for succ in ORDERS:
        for fail in ORDERS:
            if fail.is_valid_fail_order(succ):
                call(a, name, [succ, fail])
                call(a, name, [int(succ), int(fail)])
                continue
            for args in ([succ, fail], [int(succ), int(fail)]):
                with pytest.raises(MemoryOrderError) as exc_info:
                    call(a, name, args)
                e = exc_info.value
                assert (e.optype, e.order, e.is_fail) == (OPTYPE[name], fail, True)
                assert str(e) == (f"{fail.name} is not a valid fail memory order for a "
                                  f"{e.optype.name} operation.")
    # the failure order defaults to SEQ_CST, which no weaker success order allows
    with pytest.raises(MemoryOrderError):
        getattr(a, name)(a.load(), a.load(), success=R)
    getattr(a, name)(a.load(), a.load(), failure=R)


def test_bit_test_is_checked_as_a_load():
    """1.0.3 checked bit_test against store orders; COMPAT fixes that."""
    a = make_owned(4, UINT)
    assert a.bit_test(0, MemoryOrder.ACQUIRE) is False
    with pytest.raises(MemoryOrderError) as exc_info:
        a.bit_test(0, MemoryOrder.RELEASE)
    assert exc_info.value.optype is OpType.BIT_TEST


def test_order_error_checked_for_views_and_readonly_views():
    with guarded_view(4, INT) as (v, _, _):
        with pytest.raises(MemoryOrderError):
            v.load(MemoryOrder.RELEASE)
    with atomics.atomicview(buffer=bytes(4), atype=INT) as ro:
        assert ro.load(MemoryOrder.ACQUIRE) == 0
        with pytest.raises(MemoryOrderError):
            ro.load(MemoryOrder.ACQ_REL)
        with pytest.raises(MemoryOrderError):
            ro.bit_test(3, MemoryOrder.RELEASE)


NOT_ORDERS = [1, 6, -1, 2**70, -(2**70), 2**31, 2**63]


def one_bad_order(atype, bads):
    """(obj, name, bad, parameter, args) for every operation of atype, every
    bad value and every order parameter of the operation: args holds SEQ_CST
    for each order but `bad` for that parameter. obj is one object of atype
    for all of them; once all are done, it must hold what it held before."""
    a = make_owned(4, atype)
    before = a.load()
    for name in ops_of(atype):
        params = order_params(name)
        for bad in bads:
            for pos, pname in enumerate(params):
                args = [SC] * len(params)
                args[pos] = bad
                yield a, name, bad, pname, args
    assert a.load() == before, "a call with a bad order changed the object"


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
def test_ints_that_are_no_order(atype):
    for a, name, bad, _, args in one_bad_order(atype, NOT_ORDERS):
        with pytest.raises(ValueError) as exc_info:
            call(a, name, args)
        assert type(exc_info.value) is ValueError, name
        assert str(bad) in str(exc_info.value)
        # by keyword too
        kwargs = dict(zip(order_params(name), args))
        with pytest.raises(ValueError):
            getattr(a, name)(*[bytes(4) if atype is BYTES and p != "index" else 0
                               for p in VALUE_PARAMS[name]], **kwargs)


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
def test_orders_of_the_wrong_type_name_the_argument(atype):
    for a, name, bad, pname, args in one_bad_order(atype, BAD_ORDERS):
        with pytest.raises(TypeError) as exc_info:
            call(a, name, args)
        assert f"'{pname}'" in str(exc_info.value), (name, bad, str(exc_info.value))


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
def test_cmpxchg_order_spellings_mix_but_do_not_repeat(atype):
    a = make_owned(4, atype)
    v = a.load()
    for kwargs in ({"success": AR, "fail": A}, {"succ": AR, "failure": A},
                   {"succ": REL, "fail": R}, {"success": SC}, {"succ": SC}, {"fail": R},
                   {"failure": R}):
        assert a.cmpxchg_strong(v, v, **kwargs)
    assert a.cmpxchg_weak(v, v, AR, fail=A) or True
    for kwargs in ({"success": SC, "succ": SC}, {"failure": R, "fail": R}):
        with pytest.raises(TypeError, match="multiple values"):
            a.cmpxchg_strong(v, v, **kwargs)
    with pytest.raises(TypeError, match="multiple values"):
        a.cmpxchg_strong(v, v, SC, succ=SC)
    with pytest.raises(MemoryOrderError) as exc_info:
        a.cmpxchg_strong(v, v, succ=R, fail=A)
    assert exc_info.value.order is A and exc_info.value.is_fail is True


def test_order_aliases_name_the_argument():
    a = make_owned(4, BYTES)
    with pytest.raises(TypeError, match="'fail"):
        a.cmpxchg_strong(bytes(4), bytes(4), succ=SC, fail=None)
    with pytest.raises(TypeError, match="'succ"):
        a.cmpxchg_strong(bytes(4), bytes(4), succ=1.0)


def test_memory_order_error_is_no_value_error():
    assert not issubclass(MemoryOrderError, ValueError)
    e = MemoryOrderError(OpType.EXCHANGE, MemoryOrder.ACQUIRE)
    assert e.is_fail is False
    assert str(e) == "ACQUIRE is not a valid memory order for an EXCHANGE operation."
    assert repr(e) == ("MemoryOrderError(optype=OpType.EXCHANGE, order=MemoryOrder.ACQUIRE, "
                       "is_fail=False)")
