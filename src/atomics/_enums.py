"""The MemoryOrder and OpType enums (Python is the better tool for enums)."""
import enum

__all__ = ["MemoryOrder", "OpType"]


class MemoryOrder(enum.IntEnum):
    """C11/C++11 memory orders, with the values of the compiler's __ATOMIC_* constants.

    CONSUME is left out on purpose (value 1 is unused)."""

    RELAXED = 0
    ACQUIRE = 2
    RELEASE = 3
    ACQ_REL = 4
    SEQ_CST = 5

    def is_valid_store_order(self) -> bool:
        """Whether a store (``store``) may use this order."""
        return self not in (MemoryOrder.ACQUIRE, MemoryOrder.ACQ_REL)

    def is_valid_load_order(self) -> bool:
        """Whether a load (``load``, ``bit_test``) may use this order."""
        return self not in (MemoryOrder.RELEASE, MemoryOrder.ACQ_REL)

    def is_valid_fail_order(self, succ: "MemoryOrder") -> bool:
        """Whether a cmpxchg whose success order is ``succ`` may fail with this order."""
        return self <= succ and self.is_valid_load_order()


class OpType(enum.IntEnum):
    """Every atomic operation; ``ops_supported`` lists these."""

    STORE = 1
    LOAD = 2
    EXCHANGE = 3
    CMPXCHG_WEAK = 4
    CMPXCHG_STRONG = 5
    BIT_TEST = 6
    BIT_TEST_COMPL = 7
    BIT_TEST_SET = 8
    BIT_TEST_RESET = 9
    OR = 10
    XOR = 11
    AND = 12
    NOT = 13
    FETCH_OR = 14
    FETCH_XOR = 15
    FETCH_AND = 16
    FETCH_NOT = 17
    ADD = 18
    SUB = 19
    INC = 20
    DEC = 21
    NEG = 22
    FETCH_ADD = 23
    FETCH_SUB = 24
    FETCH_INC = 25
    FETCH_DEC = 26
    FETCH_NEG = 27
