"""mkdocs hooks: pages the site takes from the repository instead of copies.

- reference/c-api.md: from include/atomics/atomics.h, its opening comment
  and one entry per public function, type and constant (c_api_page);
- changelog.md and contributing.md: CHANGELOG.md and CONTRIBUTING.md;
- results/: the committed bench/results REPORT.md, FT_SCALING.md and
  bench.png (CPython 3.11), and results/cpython-3.13/ the same run on 3.13.

Nothing is copied into docs/, so nothing can go stale."""
import pathlib
import re
import textwrap


ROOT = pathlib.Path(__file__).resolve().parent.parent


def _prose_and_code(lines):
    """Comment lines as Markdown: indented runs (pseudo-code) become code
    blocks, the rest paragraphs."""
    out, code = [], []
    for line in lines + [""]:
        if line.startswith("  ") or (code and line.strip() and line.startswith(" ")):
            code.append(line)
            continue
        if code:
            while code and not code[-1].strip():
                code.pop()
            out += ["", "```text", *textwrap.dedent("\n".join(code)).splitlines(), "```", ""]
            code = []
        out.append(_escape(line))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _escape(prose):
    """Markdown emphasis characters of C text (*obj, _s) escaped, outside `code`."""
    parts = prose.split("`")
    parts[::2] = [re.sub(r"([*_<>])", r"\\\1", s) for s in parts[::2]]
    return "`".join(parts)


def _wrap(sig, width=88):
    """A declaration on one line, or broken after commas under its '('."""
    if len(sig) <= width:
        return sig
    indent = " " * (sig.index("(") + 1)
    lines, line = [], ""
    for i, part in enumerate(sig.split(", ")):
        piece = part if i == 0 else ", " + part
        if line and len(line) + len(piece) > width:
            lines.append(line + ",")
            line = indent + part
        else:
            line += piece
    return "\n".join(lines + [line])


def _comment_lines(comment):
    """The text of a /* ... */ comment, one entry per line, the leading ' * ' gone."""
    body = comment[2:-2]
    lines = []
    for line in body.splitlines():
        s = line.strip()
        if s.startswith("* "):
            line = line[line.index("* ") + 2:]
        elif s == "*":
            line = ""
        else:
            line = line.strip() if not lines else line.lstrip()
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _private(name):
    # ATOMICS_X_, ATOMICS_DECLARE_WIDTH_, ATOMICS_OP_MORE_BEFORE_, the include guard
    return name.endswith("_") or name == "ATOMICS_ATOMICS_H"


def _tokens(src):
    """(kind, text) items of the header after its opening comment: comment,
    blank, pp (a preprocessor line with its continuations), decl (up to the
    ';' that ends it at brace depth 0)."""
    i, n = 0, len(src)
    while i < n:
        if src.startswith("/*", i):
            j = src.index("*/", i) + 2
            yield "comment", src[i:j]
            i = j
        elif src[i] == "\n":
            j = i + 1
            if src.startswith("\n", j) or src[i + 1:].lstrip(" ").startswith("\n"):
                yield "blank", ""
            i = j
        elif src[i] in " \t":
            i += 1
        elif src[i] == "#":
            j = i
            while True:
                k = src.find("\n", j)
                k = n if k < 0 else k
                if src[j:k].rstrip().endswith("\\"):
                    j = k + 1
                    continue
                break
            yield "pp", src[i:k]
            i = k
        elif src.startswith("}", i) or src.startswith("extern", i):
            i = src.find("\n", i)  # the extern "C" braces
            i = n if i < 0 else i
        else:
            depth, j = 0, i
            while j < n:
                c = src[j]
                if src.startswith("/*", j):
                    j = src.index("*/", j) + 2
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                elif c == ";" and depth == 0:
                    break
                j += 1
            yield "decl", src[i:j + 1]
            i = j + 1


def _signature(decl):
    return re.sub(r"\s+", " ", decl).replace("( ", "(").replace(" )", ")")


def _op_list(header, macro):
    body = re.search(r"#define " + macro + r"\(X\)(.*?)\n\n", header, re.S).group(1)
    return re.findall(r"X\((\w+), (\w+)\)", body)


def _atomics_op_enum(header):
    ops, more = _op_list(header, "ATOMICS_OP_LIST"), _op_list(header, "ATOMICS_OP_LIST_MORE")
    lines = ["typedef enum atomics_op {", "    ATOMICS_OP_NONE = 0,"]
    lines += [f"    ATOMICS_OP_{name} = {i}," for i, (name, _) in enumerate(ops, 1)]
    lines.append(f"    ATOMICS_OP_COUNT = {len(ops) + 1},  /* one past the last 1.0 operation */")
    lines += [f"    ATOMICS_OP_{name} = {i}," for i, (name, _) in enumerate(more, len(ops) + 1)]
    lines.append(f"    ATOMICS_OP_COUNT_ALL = {len(ops) + len(more) + 1}  /* one past the last operation */")
    lines.append("} atomics_op;")
    return "\n".join(lines)


def c_api_page() -> str:
    """The C API reference: the header's opening comment as prose and
    pseudo-code, then per banner of the header one entry per function (its
    signature and the comment above it), per type and per constant; the
    width-specific functions once each, as atomics_<op>_N. Private names
    (ending in '_') and the include guard are left out."""
    header = (ROOT / "include" / "atomics" / "atomics.h").read_text(encoding="utf-8")
    m = re.match(r"/\*(.*?)\*/", header, re.S)
    intro = _prose_and_code(_comment_lines(m.group(0)))
    intro = intro.split("\n", 1)[1].lstrip("\n") if intro.startswith("atomics.h:") else intro
    out = [
        "# C API",
        "",
        "`include/atomics/atomics.h` is a plain C99/C++ header (no `Python.h`); the",
        "library is `src/core/*.c`. Build, test and install it with CMake:",
        "",
        "```shell",
        "cmake -S . -B build/c -DATOMICS_BUILD_TESTS=ON && cmake --build build/c -j && ctest --test-dir build/c",
        "cmake --install build/c --prefix /usr/local   # libatomics_core.a and include/atomics/atomics.h",
        "cc -std=c11 prog.c -I/usr/local/include /usr/local/lib/libatomics_core.a",
        "```",
        "",
        "Generated from the header: its opening comment, then one entry per",
        "function, type and constant, in the header's order.",
        "",
        "## Overview",
        "",
        intro,
    ]
    pending = []       # the comment above the declarations that follow it
    constants = []     # (name, value, meaning) of the current section

    def flush_constants():
        if constants:
            out.extend(["", "| constant | value | meaning |", "| --- | --- | --- |"])
            out.extend(f"| `{n}` | `{v}` | {c} |" for n, v, c in constants)
            constants.clear()

    def describe():
        return ["", _escape(" ".join(line.strip() for line in pending if line.strip()))] if pending else []

    for kind, text in _tokens(header[m.end():]):
        if kind == "blank":
            pending = []
        elif kind == "comment":
            lines = _comment_lines(text)
            banner = re.match(r"-{4} (.*?) -+$", lines[0]) if lines else None
            if banner:
                flush_constants()
                out += ["", "## " + banner.group(1).strip().capitalize()]
                rest = _prose_and_code(lines[1:])
                if rest:
                    out += ["", rest]
                pending = []
            else:
                pending = lines
        elif kind == "pp":
            d = re.match(r"#define (\w+)(\(X\)|\(N\))?\s*(.*)", text, re.S)
            if not d or _private(d.group(1)):
                if text.startswith("#define ATOMICS_DECLARE_WIDTH_"):
                    for decl in re.findall(r"((?:void|int) atomics_\w+##N\(.*?\);)",
                                           text.replace("\\\n", " "), re.S):
                        sig = _signature(decl).replace("##N", "N")
                        name = re.search(r"(atomics_\w+_N)\(", sig).group(1)
                        out += ["", f"### `{name}`", "", "```c", _wrap(sig), "```"]
                continue
            name, fn_like, value = d.groups()
            if fn_like == "(X)":
                ops = ", ".join(f"`{f}`" for _, f in _op_list(header, name))
                out += ["", f"### `{name}(X)`", *describe(), "",
                        f"Expands `X(ENUM_NAME, field)` for: {ops}."]
                continue
            value, _, comment = value.partition("/*")
            meaning = comment.replace("*/", "").strip() or " ".join(
                line.strip() for line in pending if line.strip())
            constants.append((name, value.strip(), _escape(meaning)))
        elif kind == "decl":
            if text.startswith("typedef"):
                name = re.search(r"(\w+)\s*(?:\)\s*\(.*\))?\s*;$", text, re.S)
                name = re.search(r"\(\*(\w+)\)", text) or name
                body = _atomics_op_enum(header) if "atomics_op;" in text else text.strip()
                out += ["", f"### `{name.group(1)}`", *describe(), "", "```c", body, "```"]
            else:
                fn = re.search(r"\b(atomics_\w+)\(", text)
                if fn and not _private(fn.group(1)):
                    out += ["", f"### `{fn.group(1)}`", "", "```c", _wrap(_signature(text)), "```",
                            *describe()]
    flush_constants()
    return "\n".join(out) + "\n"


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
    from mkdocs.structure.files import File  # here: tests import c_api_page without mkdocs

    for uri, make in GENERATED.items():
        files.append(File.generated(config, uri, content=make()))
    for uri, src in COPIED.items():
        files.append(File.generated(config, uri, abs_src_path=str(src)))
    return files
