"""mkdocs hooks: pages the site takes from the repository instead of copies.

- reference/c-api.md: the C header's own documentation (its opening comment)
  and its declarations, from include/atomics/atomics.h;
- changelog.md and contributing.md: CHANGELOG.md and CONTRIBUTING.md;
- results/: the committed bench/results REPORT.md, FT_SCALING.md and
  bench.png (CPython 3.11), and results/cpython-3.13/ the same run on 3.13.

Nothing is copied into docs/, so nothing can go stale."""
import pathlib
import re

from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parent.parent


def c_api_page() -> str:
    header = (ROOT / "include" / "atomics" / "atomics.h").read_text(encoding="utf-8")
    m = re.match(r"/\*(.*?)\*/", header, re.S)
    intro = "\n".join(line[3:] if line.startswith(" * ") else line.lstrip(" *")
                      for line in m.group(1).strip("\n").splitlines())
    body = header[m.end():].strip("\n")
    return (
        "# C API\n\n"
        "`include/atomics/atomics.h` is a plain C99/C++ header (no `Python.h`); the\n"
        "library is `src/core/*.c`. Build, test and install it with CMake:\n\n"
        "```shell\n"
        "cmake -S . -B build/c -DATOMICS_BUILD_TESTS=ON && cmake --build build/c -j && ctest --test-dir build/c\n"
        "cmake --install build/c --prefix /usr/local   # libatomics_core.a and include/atomics/atomics.h\n"
        "cc -std=c11 prog.c -I/usr/local/include /usr/local/lib/libatomics_core.a\n"
        "```\n\n"
        "The header documents itself once, at the top (reproduced here from the\n"
        "source):\n\n"
        "```text\n" + intro + "\n```\n\n"
        "## Declarations\n\n"
        "```c\n" + body + "\n```\n"
    )


GENERATED = {
    "changelog.md": lambda: (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"),
    "contributing.md": lambda: (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"),
    "reference/c-api.md": c_api_page,
    "results/report.md": lambda: (ROOT / "bench" / "results" / "REPORT.md").read_text(
        encoding="utf-8"),
    "results/ft-scaling.md": lambda: (ROOT / "bench" / "results" / "FT_SCALING.md").read_text(
        encoding="utf-8"),
    "results/cpython-3.13/report.md": lambda: (
        ROOT / "bench" / "results" / "cpython-3.13" / "REPORT.md").read_text(encoding="utf-8"),
}
COPIED = {
    "results/bench.png": ROOT / "bench" / "results" / "bench.png",
    "results/cpython-3.13/bench.png": ROOT / "bench" / "results" / "cpython-3.13" / "bench.png",
}


def on_files(files, config):
    for uri, make in GENERATED.items():
        files.append(File.generated(config, uri, content=make()))
    for uri, src in COPIED.items():
        files.append(File.generated(config, uri, abs_src_path=str(src)))
    return files
