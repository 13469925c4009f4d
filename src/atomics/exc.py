"""The exceptions of atomics. Each keeps its constructor arguments as
attributes, shows them in its repr, and survives pickling (so it crosses
process boundaries intact)."""
from ._enums import MemoryOrder, OpType

__all__ = [
    "AlignmentError",
    "MemoryOrderError",
    "UnsupportedWidthException",
    "UnsupportedOperationException",
]


class AlignmentError(Exception):
    """A buffer's address misses the alignment atomic operations need."""

    def __init__(self, width: int, address: int, using_recommended: bool = True) -> None:
        self.width = width
        self.address = address
        self.using_recommended = using_recommended
        which = "recommended" if using_recommended else "minimum"
        super().__init__(
            f"The alignment of address {address:#x} does not meet the {which} alignment "
            f"requirements for atomic operations on objects with a width of {width}."
        )

    def __repr__(self) -> str:
        return (
            f"AlignmentError(width={self.width!r}, address={self.address!r}, "
            f"using_recommended={self.using_recommended!r})"
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.width, self.address, self.using_recommended)


class MemoryOrderError(Exception):
    """A memory order that the operation does not accept."""

    def __init__(self, optype: OpType, order: MemoryOrder, is_fail: bool = False) -> None:
        self.optype = optype
        self.order = order
        self.is_fail = is_fail
        what = "fail memory order" if is_fail else "memory order"
        super().__init__(
            f"{_name(order)} is not a valid {what} for {_article(optype)} {_name(optype)} operation."
        )

    def __repr__(self) -> str:
        return (
            f"MemoryOrderError(optype={_qualified(self.optype)}, order={_qualified(self.order)}, "
            f"is_fail={self.is_fail!r})"
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.optype, self.order, self.is_fail)


class UnsupportedWidthException(Exception):
    """No atomic operation is possible at this width."""

    def __init__(self, width: int, readonly: bool = False) -> None:
        self.width = width
        self.readonly = readonly
        kind = "readonly objects" if readonly else "objects"
        super().__init__(f"No operations are supported on {kind} with a width of {width}.")

    def __repr__(self) -> str:
        return f"UnsupportedWidthException(width={self.width!r}, readonly={self.readonly!r})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.width, self.readonly)


class UnsupportedOperationException(Exception):
    """The object does not support this operation (see its ``ops_supported``)."""

    def __init__(self, optype: OpType, width: int, readonly: bool = False) -> None:
        self.optype = optype
        self.width = width
        self.readonly = readonly
        kind = "readonly objects" if readonly else "objects"
        super().__init__(
            f"Operation {_name(optype)} is not supported on {kind} with a width of {width}."
        )

    def __repr__(self) -> str:
        return (
            f"UnsupportedOperationException(optype={_qualified(self.optype)}, width={self.width!r}, "
            f"readonly={self.readonly!r})"
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), (self.optype, self.width, self.readonly)


def _name(value: object) -> str:
    """STORE for OpType.STORE; repr() for anything that is no enum member."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else repr(value)


def _qualified(value: object) -> str:
    """OpType.STORE for OpType.STORE."""
    name = getattr(value, "name", None)
    return f"{type(value).__name__}.{name}" if isinstance(name, str) else repr(value)


def _article(value: object) -> str:
    return "an" if _name(value)[:1] in ("A", "E", "I", "O", "U") else "a"
