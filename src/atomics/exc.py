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


class _ArgsError(Exception):
    """Shows the constructor arguments named in ``_args`` (attributes of the
    same names) in its repr, and rebuilds from them when unpickled."""

    # (a comment, not an annotation: `import atomics` loads no typing)
    _args = ()  # type: tuple[str, ...]

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={_qualified(getattr(self, name))}" for name in self._args)
        return f"{type(self).__name__}({args})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return type(self), tuple(getattr(self, name) for name in self._args)


class AlignmentError(_ArgsError):
    """A buffer's address misses the alignment atomic operations need."""

    _args = ("width", "address", "using_recommended")

    def __init__(self, width: int, address: int, using_recommended: bool = True) -> None:
        self.width = width
        self.address = address
        self.using_recommended = using_recommended
        which = "recommended" if using_recommended else "minimum"
        super().__init__(
            f"The alignment of address {address:#x} does not meet the {which} alignment "
            f"requirements for atomic operations on objects with a width of {width}."
        )


class MemoryOrderError(_ArgsError):
    """A memory order that the operation does not accept."""

    _args = ("optype", "order", "is_fail")

    def __init__(self, optype: OpType, order: MemoryOrder, is_fail: bool = False) -> None:
        self.optype = optype
        self.order = order
        self.is_fail = is_fail
        what = "fail memory order" if is_fail else "memory order"
        super().__init__(
            f"{_name(order)} is not a valid {what} for {_article(optype)} {_name(optype)} operation."
        )


class UnsupportedWidthException(_ArgsError):
    """No atomic operation is possible at this width."""

    _args = ("width", "readonly")

    def __init__(self, width: int, readonly: bool = False) -> None:
        self.width = width
        self.readonly = readonly
        kind = "readonly objects" if readonly else "objects"
        super().__init__(f"No operations are supported on {kind} with a width of {width}.")


class UnsupportedOperationException(_ArgsError):
    """The object does not support this operation (see its ``ops_supported``)."""

    _args = ("optype", "width", "readonly")

    def __init__(self, optype: OpType, width: int, readonly: bool = False) -> None:
        self.optype = optype
        self.width = width
        self.readonly = readonly
        kind = "readonly objects" if readonly else "objects"
        super().__init__(
            f"Operation {_name(optype)} is not supported on {kind} with a width of {width}."
        )


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
