"""Griffe extension: the stubs' operation families, rendered on the public types.

src/atomics/_atomics.pyi writes each operation family once, as a private
generic class (`_Access[_ValueArg, _Value]`, `_ElemOps[...]`, ...), and the
public types inherit them (`class INTEGRAL(ANY, _Ops[SupportsIndex, int], ...)`).
mkdocstrings lists only a class's own members and would print the type
variables as they stand; this copies every member a public class inherits
from a private base into the class, with the base's type arguments put in for
its type variables (`load() -> _Value` on INTEGRAL becomes `load() -> int`),
and drops the private bases from the class's "Bases:" line. The element forms
(`_ElemAccess`: the same methods with the array index first) carry no
docstrings in the stub; they get those of the object forms (`_Access`). The page reads
as if each type declared its methods itself, which is what a type checker sees.
"""
from __future__ import annotations

import copy
import dataclasses

import griffe

MODULE = "_atomics"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _typevars(module: griffe.Module) -> set[str]:
    """Names of the module's TypeVar("...") assignments."""
    out = set()
    for name, member in module.members.items():
        if member.is_alias:  # an import
            continue
        value = getattr(member, "value", None)
        if isinstance(value, griffe.ExprCall) and str(value.function) == "TypeVar":
            out.add(name)
    return out


def _base_name(base: object) -> str:
    return str(base.left if isinstance(base, griffe.ExprSubscript) else base)


def _base_args(base: object) -> list:
    if not isinstance(base, griffe.ExprSubscript):
        return []
    sl = base.slice
    return list(sl.elements) if isinstance(sl, griffe.ExprTuple) else [sl]


def _params(cls: griffe.Class, typevars: set[str]) -> list[str]:
    """A generic class's type parameters, in order: Generic[...]'s, else the
    type variables of its bases in order of first appearance (PEP 484)."""
    found: list[str] = []
    for base in cls.bases:
        names = [str(a) for a in _base_args(base) if str(a) in typevars]
        if _base_name(base) == "Generic":
            return names
        found += [n for n in names if n not in found]
    return found


def _substitute(expr: object, mapping: dict) -> object:
    """A copy of `expr` with each type-variable name replaced by its argument."""
    if isinstance(expr, griffe.ExprName) and expr.name in mapping:
        return mapping[expr.name]
    if isinstance(expr, list):
        return [_substitute(e, mapping) for e in expr]
    if dataclasses.is_dataclass(expr) and isinstance(expr, griffe.Expr):
        changes = {f.name: _substitute(getattr(expr, f.name), mapping)
                   for f in dataclasses.fields(expr) if f.name != "parent"}
        return dataclasses.replace(expr, **changes)
    return expr


def _copy_member(member: griffe.Object, owner: griffe.Class, mapping: dict, lineno: int):
    new = copy.copy(member)
    new.parent = owner
    new.lineno = new.endlineno = lineno
    if member.docstring is not None:
        new.docstring = copy.copy(member.docstring)
        new.docstring.parent = new
    if isinstance(member, griffe.Function):
        params = []
        for p in member.parameters:
            params.append(griffe.Parameter(p.name, annotation=_substitute(p.annotation, mapping),
                                           kind=p.kind, default=p.default, docstring=p.docstring))
        new.parameters = griffe.Parameters(*params)
        new.returns = _substitute(member.returns, mapping)
    elif isinstance(member, griffe.Attribute):
        new.annotation = _substitute(member.annotation, mapping)
    return new


class OperationFamilies(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: object) -> None:
        if MODULE not in pkg.members:
            return
        module = pkg.members[MODULE]
        typevars = _typevars(module)
        classes = {n: m for n, m in module.members.items()
                   if not m.is_alias and isinstance(m, griffe.Class)}
        for name, cls in classes.items():
            if _is_private(name):
                continue
            lineno = (cls.endlineno or cls.lineno or 0) + 1
            seen = set(cls.members)

            def inherit(base_cls: griffe.Class, mapping: dict) -> None:
                nonlocal lineno
                twin = classes.get("_" + base_cls.name[len("_Elem"):]) \
                    if base_cls.name.startswith("_Elem") else None
                for mname, member in base_cls.members.items():
                    if mname not in seen:
                        seen.add(mname)
                        new = _copy_member(member, cls, mapping, lineno)
                        if new.docstring is None and twin is not None and mname in twin.members:
                            new.docstring = copy.copy(twin.members[mname].docstring)
                            new.docstring.parent = new
                        cls.set_member(mname, new)
                        lineno += 1
                for base in base_cls.bases:
                    walk(base, mapping)

            def walk(base: object, mapping: dict) -> None:
                bname = _base_name(base)
                if not _is_private(bname) or bname not in classes:
                    return
                bcls = classes[bname]
                args = [_substitute(a, mapping) for a in _base_args(base)]
                inherit(bcls, dict(zip(_params(bcls, typevars), args)))

            for base in cls.bases:
                walk(base, {})
            cls.bases = [b for b in cls.bases if not _is_private(_base_name(b))]

    # griffe 1.x names the hook on_package_loaded; a second call finds nothing left to do
    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: object) -> None:
        self.on_package(pkg=pkg)
