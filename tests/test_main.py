"""`python -m atomics`: the report it prints (table and --json) agrees with
what the extension says about every width, and it still works when the
extension does not report processor features."""
import json
import os
import subprocess
import sys

import pytest

import atomics
import atomics.__main__ as cli
from atomics.exc import UnsupportedWidthException


def run_cli(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "atomics", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_json_agrees_with_the_extension(tmp_path):
    report = json.loads(run_cli("--json", cwd=tmp_path))
    assert report["atomics"] == atomics.__version__
    assert report["extension"] == atomics._atomics.__file__
    assert report["features"]["mask"] == atomics._atomics.FEATURES
    assert [w["width"] for w in report["widths"]] == list(range(1, 17))
    assert len(report["all_ops"]) == len(atomics.OpType) == 27
    for w in report["widths"]:
        width = w["width"]
        try:
            al = atomics.Alignment(width)
        except UnsupportedWidthException:
            assert w["alignment"] is None and w["ops"] == []
            continue
        assert w["alignment"] == {"recommended": al.recommended, "minimum": al.minimum,
                                  "size_within": al.size_within}
        ops = atomics.atomic(width=width, atype=atomics.UINT).ops_supported
        assert w["ops"] == [cli.op_name(op) for op in ops]
        assert set(w["readonly_ops"]) <= {"load", "bit_test"}
    # widths 1, 2, 4 and 8 are supported everywhere, with every operation
    for width in (1, 2, 4, 8):
        assert report["widths"][width - 1]["ops"] == report["all_ops"]
        assert report["widths"][width - 1]["readonly_ops"] == ["load", "bit_test"]


def test_method_names():
    names = [cli.op_name(op) for op in atomics.OpType]
    for name in names:  # every name is a method of an integral object
        assert callable(getattr(atomics.atomic(width=8, atype=atomics.INT), name)), name
    assert "bin_fetch_or" in names and "fetch_add" in names


def test_table(tmp_path):
    out = run_cli(cwd=tmp_path)
    lines = out.splitlines()
    assert lines[0] == f"atomics {atomics.__version__}"
    assert any(line.startswith("  features:") for line in lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("width"))
    assert lines[header].split() == ["width", "recommended", "minimum", "size_within",
                                     "operations", "read-only"]
    rows = lines[header + 2:header + 18]
    assert [r.split()[0] for r in rows] == [str(w) for w in range(1, 17)]
    assert rows[7].split()[:4] == ["8", "8", "1", "16"]
    assert "all 27" in rows[0]


def test_version_flag(tmp_path):
    assert run_cli("--version", cwd=tmp_path).strip() == f"atomics {atomics.__version__}"


def test_without_feature_report(monkeypatch):
    """An extension that reports no FEATURES still gives a full table."""
    monkeypatch.delattr(atomics._atomics, "FEATURES")
    report = cli.collect()
    assert report["features"] == {"mask": None, "names": [], "missing": [], "known": False}
    text = cli.render(report)
    assert "features:  unknown" in text
    assert "\n8 " in text


def test_named_features(monkeypatch):
    """An extension that names its features is believed over the local table."""
    monkeypatch.setattr(atomics._atomics, "FEATURE_NAMES", {"cas16": 1, "load16": 2, "x": 4},
                        raising=False)
    monkeypatch.setattr(atomics._atomics, "FEATURES", 5)
    feats = cli.features()
    assert feats["names"] == ["cas16", "x"] and feats["missing"] == ["load16"]


@pytest.mark.parametrize("mask", [0, 1, 2, 3])
def test_feature_names_from_mask(monkeypatch, mask):
    monkeypatch.setattr(atomics._atomics, "FEATURES", mask)
    feats = cli.features()
    assert ("cas16" in feats["names"]) == bool(mask & 1)
    assert ("load16" in feats["names"]) == bool(mask & 2)


def test_closed_pipe_is_not_an_error(tmp_path, monkeypatch):
    """`python -m atomics | head -1`: the reader went away. main() returns 0
    and points stdout's descriptor at /dev/null, so the flush at exit is quiet."""
    target = open(tmp_path / "out", "w")

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

        def fileno(self):
            return target.fileno()

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["--json"]) == 0
    os.write(target.fileno(), b"lost")  # now /dev/null, not the file
    target.close()
    assert (tmp_path / "out").read_bytes() == b""
