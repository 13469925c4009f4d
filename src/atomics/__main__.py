"""`python -m atomics`: what this machine and build of atomics support.

Prints the version, the interpreter, the processor features the C core
detected at import, and for every width 1 to 16 the alignment contract and
the operations supported (on writable memory at the recommended alignment,
and on read-only memory), then where the operations beyond atomics 1.0
(max/min, the X_fetch forms, fetch_update: no OpType members) are supported.
`--json` prints the same as one JSON object.

Everything is asked of the extension itself (atomic objects' ops_supported,
Alignment(width)), so the report is what a program on this machine gets."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import sysconfig
import textwrap
from typing import Any

import atomics
from atomics import _atomics
from atomics.exc import UnsupportedWidthException

MAX_WIDTH = 16

# The bits of _atomics.FEATURES (ATOMICS_FEATURE_* in include/atomics/atomics.h),
# used when the extension does not name them itself.
_FEATURE_BITS = {
    0x1: ("cas16", "lock-free 16-byte compare-and-swap (widths 9 to 16)"),
    0x2: ("load16", "atomic 16-byte loads (read-only objects of widths 9 to 16)"),
}


def features() -> dict[str, Any]:
    """The processor features found at run time: the raw mask and the names."""
    mask = getattr(_atomics, "FEATURES", None)
    if mask is None:
        return {"mask": None, "names": [], "missing": [], "known": False}
    named = getattr(_atomics, "FEATURE_NAMES", None)  # {name: bit}, if the extension has it
    table = ({bit: (name, "") for name, bit in named.items()} if isinstance(named, dict)
             else _FEATURE_BITS)
    found = [name for bit, (name, _) in sorted(table.items()) if mask & bit]
    missing = [name for bit, (name, _) in sorted(table.items()) if not mask & bit]
    return {"mask": mask, "names": found, "missing": missing, "known": True}


def op_name(op: atomics.OpType) -> str:
    """The method that performs `op` (OpType.FETCH_OR -> "bin_fetch_or")."""
    name = op.name.lower()
    if name in ("or", "xor", "and", "not"):
        return "bin_" + name
    if name in ("fetch_or", "fetch_xor", "fetch_and", "fetch_not"):
        return "bin_" + name
    return name


def _aligned_readonly(width: int, align: int) -> memoryview:
    """A read-only memoryview of `width` bytes at an `align`-aligned address."""
    raw = bytearray(width + align)
    view = memoryview(raw)
    alignment = atomics.Alignment(width)
    for off in range(align):
        piece = view[off:off + width]
        if alignment.is_valid_recommended(piece):
            return piece.toreadonly()
    raise RuntimeError(f"no {align}-aligned offset in a bytearray")  # cannot happen


def width_info(width: int) -> dict[str, Any]:
    """The alignment contract and the supported operations for one width."""
    info: dict[str, Any] = {"width": width}
    try:
        al = atomics.Alignment(width)
    except UnsupportedWidthException:
        info.update(supported=False, alignment=None, ops=[], readonly_ops=[])
        return info
    info["alignment"] = {"recommended": al.recommended, "minimum": al.minimum,
                         "size_within": al.size_within}
    try:
        ops = atomics.atomic(width=width, atype=atomics.UINT).ops_supported
    except UnsupportedWidthException:
        ops = []
    try:
        buf = _aligned_readonly(width, al.recommended)
        with atomics.atomicview(buffer=buf, atype=atomics.UINT) as ro:
            ro_ops = ro.ops_supported
    except UnsupportedWidthException:
        ro_ops = []
    info["supported"] = bool(ops)
    info["ops"] = [op_name(op) for op in ops]
    info["readonly_ops"] = [op_name(op) for op in ro_ops]
    known = set(op_name(op) for op in atomics.OpType)
    info["more_ops"] = [name for name in atomics.supported_ops(width) if name not in known]
    info["readonly_more_ops"] = [name for name in atomics.supported_ops(width, readonly=True)
                                 if name not in known]
    return info


def more_ops() -> list[str]:
    """The operations beyond 1.0, by method name (widths 1 and 8 have them all)."""
    known = set(op_name(op) for op in atomics.OpType)
    return [name for name in atomics.supported_ops(8) if name not in known]


def collect() -> dict[str, Any]:
    gil = getattr(sys, "_is_gil_enabled", None)
    return {
        "atomics": atomics.__version__,
        "extension": _atomics.__file__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil() if gil is not None else True,
        "machine": platform.machine(),
        "system": platform.system(),
        "features": features(),
        "all_ops": [op_name(op) for op in atomics.OpType],
        "all_more_ops": more_ops(),
        "widths": [width_info(w) for w in range(1, MAX_WIDTH + 1)],
    }


def _ops_cell(ops: list[str], all_ops: list[str]) -> str:
    if not ops:
        return "none"
    if ops == all_ops:
        return f"all {len(all_ops)}"
    if len(ops) > len(all_ops) // 2:
        return "all but " + ", ".join(op for op in all_ops if op not in ops)
    return ", ".join(ops)


def _ranges(widths: list[str]) -> str:
    """'1-16' for ['1', ..., '16'], '1-8, 10' for gaps."""
    nums, parts = [int(w) for w in widths], []
    start = prev = nums[0]
    for n in nums[1:] + [0]:
        if n != prev + 1:
            parts.append(f"{start}-{prev}" if prev > start else str(start))
            start = n
        prev = n
    return ", ".join(parts)


def render(report: dict[str, Any]) -> str:
    feats = report["features"]
    if not feats["known"]:
        feat_line = "unknown (this build of the extension does not report them)"
    else:
        feat_line = ", ".join(feats["names"]) or "none"
        if feats["missing"]:
            feat_line += f" (not found: {', '.join(feats['missing'])})"
    ft = "free-threaded, GIL " + ("enabled" if report["gil_enabled"] else "disabled") \
        if report["free_threaded"] else "GIL build"
    lines = [
        f"atomics {report['atomics']}",
        f"  extension: {report['extension']}",
        f"  Python:    {report['implementation']} {report['python']} ({ft})",
        f"  machine:   {report['system']} {report['machine']}",
        f"  features:  {feat_line}",
        "",
        "Alignment in bytes; operations on writable memory at the recommended",
        "alignment, and on read-only memory (bytes, read-only buffers):",
        "",
    ]
    header = ("width", "recommended", "minimum", "size_within", "operations", "read-only")
    rows = []
    for w in report["widths"]:
        al = w["alignment"]
        if al is None:
            rows.append((str(w["width"]), "-", "-", "-", "unsupported width", "-"))
            continue
        rows.append((str(w["width"]), str(al["recommended"]), str(al["minimum"]),
                     str(al["size_within"]), _ops_cell(w["ops"], report["all_ops"]),
                     _ops_cell(w["readonly_ops"], report["all_ops"])))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, tuple("-" * n for n in widths), *rows]:
        lines.append("  ".join(cell.ljust(n) for cell, n in zip(r, widths)).rstrip())
    full = [str(w["width"]) for w in report["widths"]
            if w["more_ops"] and w["more_ops"] == report["all_more_ops"]]
    lines += ["", f"Beyond 1.0, on widths {_ranges(full) if full else 'none'} (writable memory):"]
    lines += textwrap.wrap(", ".join(report["all_more_ops"]), 76, initial_indent="  ",
                           subsequent_indent="  ")
    lines += ["", "size_within: an object must lie inside one aligned block of that many bytes",
              "(0: no such constraint). See 'The alignment contract' in the docs."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m atomics", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--version", action="version", version=f"atomics {atomics.__version__}")
    args = ap.parse_args(argv)
    report = collect()
    try:
        print(json.dumps(report, indent=2) if args.json else render(report), flush=True)
    except BrokenPipeError:  # `python -m atomics | head`: not an error
        # point stdout at /dev/null so the flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
