"""Find classes in the user's code folders by reading their source (``ast``), never importing it.

A user's domain folder holds more than domain code: scripts without a ``__main__`` guard,
notebooks exported as modules, data loaders. Importing a module runs it, so the inspector finds
candidate classes (projections, their views, applications, a class of the same name as a
renamed topic) by parsing the source only. A module is imported later only when the user names
it (``--app-class``, ``--projector``, a projection picked in the CLI or GUI) or a stored topic
being decoded names it.

:class:`SourceIndex` parses every ``*.py`` file under the given folders (bounded: at most
``MAX_FILES`` files of at most ``MAX_FILE_BYTES`` each; hidden folders, ``__pycache__`` and
virtual environments are skipped). For each class it records its bases as dotted names, resolved
through the module's own ``import`` statements (relative imports included) and re-exports
between scanned modules. Whether a class derives from a library class (e.g.
``eventsourcing.projection.Projection``) is decided by following the bases: through scanned
classes by their source, and at the edge of the scanned code by importing the *library* module
the name points to (only ``eventsourcing`` and its extension packages, or modules already
imported; never a module under the scanned folders).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILES = 2000
MAX_FILE_BYTES = 2_000_000
_SKIP_DIRS = {"__pycache__", "site-packages", "node_modules", "venv", "env", "build", "dist"}
# Library packages whose modules may be imported to follow a base class (not user code).
_LIBRARY_TOPS = ("eventsourcing", "eventsourcing_sqlalchemy", "eventsourcing_django",
                 "eventsourcing_umadb", "typing", "abc", "collections")


@dataclass
class SourceClass:
    """One class statement found in a scanned module (nothing of it was imported)."""

    module: str
    qualname: str
    file: str
    lineno: int
    bases: tuple[str, ...]  # dotted names as resolved through the module's imports
    base_args: tuple[tuple[str, ...], ...]  # per base: the subscript's names (Projection[V])
    attrs: dict[str, Any] = field(default_factory=dict)  # literal class attributes
    defined: frozenset[str] = frozenset()  # names assigned or defined in the class body
    abstract_here: frozenset[str] = frozenset()  # methods decorated with @abstractmethod

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.qualname}"

    @property
    def spec(self) -> str:
        return f"{self.module}:{self.qualname}"

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def _module_name(root: Path, file: Path) -> str | None:
    rel = file.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _python_files(root: Path, limit: int) -> Iterator[Path]:
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and d not in _SKIP_DIRS and d.isidentifier()
            and not (Path(dirpath, d) / "pyvenv.cfg").exists()
        )
        for f in sorted(filenames):
            if f.endswith(".py"):
                yield Path(dirpath, f)
                count += 1
                if count >= limit:
                    return


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        left = _dotted(node.value)
        return f"{left}.{node.attr}" if left else None
    return None


class _ModuleInfo:
    def __init__(self, name: str, file: str, is_package: bool) -> None:
        self.name = name
        self.file = file
        self.is_package = is_package
        self.imports: dict[str, str] = {}  # local name -> dotted target
        self.classes: dict[str, SourceClass] = {}  # qualname -> class

    def resolve_local(self, dotted: str) -> str:
        """A dotted name as written in this module -> the dotted name it refers to."""
        head, _, rest = dotted.partition(".")
        if head in self.classes:
            target = f"{self.name}.{head}"
        elif head in self.imports:
            target = self.imports[head]
        elif head in _BUILTIN_NAMES:
            target = f"builtins.{head}"
        else:
            target = f"{self.name}.{head}"
        return f"{target}.{rest}" if rest else target

    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


_BUILTIN_NAMES = frozenset({"object", "Exception", "BaseException", "dict", "list", "tuple"})


def _absolute(info: _ModuleInfo, node: ast.ImportFrom) -> str | None:
    if not node.level:
        return node.module
    pkg = info.package().split(".") if info.package() else []
    up = node.level - 1
    if up > len(pkg):
        return None
    base = pkg[: len(pkg) - up] if up else pkg
    return ".".join([*base, *([node.module] if node.module else [])])


def _literal(node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def _is_abstract_decorator(dec: ast.AST) -> bool:
    name = _dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
    return name.rsplit(".", 1)[-1] in ("abstractmethod", "abstractproperty")


class SourceIndex:
    """Every class statement under some folders, read from source (see the module docstring)."""

    def __init__(self, roots: Sequence[str | os.PathLike[str]], *, max_files: int = MAX_FILES,
                 max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.roots = [Path(r).expanduser().resolve() for r in roots]
        self.problems: list[str] = []
        self.modules: dict[str, _ModuleInfo] = {}
        self.truncated = False
        seen = 0
        for root in self.roots:
            if not root.is_dir():
                self.problems.append(f"{root}: not a directory")
                continue
            for file in _python_files(root, max_files - seen):
                seen += 1
                self._scan(root, file, max_file_bytes)
            if seen >= max_files:
                self.truncated = True
                self.problems.append(f"stopped after {max_files} files")
                break
        self._subclass_cache: dict[tuple[str, int], bool] = {}

    # -- parsing ------------------------------------------------------------------------------
    def _scan(self, root: Path, file: Path, max_bytes: int) -> None:
        name = _module_name(root, file)
        if name is None or name in self.modules:
            return
        try:
            if file.stat().st_size > max_bytes:
                self.problems.append(f"{name}: file larger than {max_bytes} bytes, not read")
                return
            tree = ast.parse(file.read_bytes(), filename=str(file))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.problems.append(f"{name}: cannot parse: {type(exc).__name__}: {exc}")
            return
        info = _ModuleInfo(name, str(file), file.name == "__init__.py")
        # Imports anywhere at module level (also inside if/try blocks), then classes.
        for node in _module_level(tree.body):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        info.imports[a.asname] = a.name
                    else:
                        top = a.name.split(".", 1)[0]
                        info.imports[top] = top
            elif isinstance(node, ast.ImportFrom):
                mod = _absolute(info, node)
                if mod is None:
                    continue
                for a in node.names:
                    if a.name != "*":
                        info.imports[a.asname or a.name] = f"{mod}.{a.name}"
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                t, v = node.targets[0], _dotted(node.value)
                if isinstance(t, ast.Name) and v:  # an alias: Base = lib.Base
                    info.imports.setdefault(t.id, v)
        for node in _module_level(tree.body):
            if isinstance(node, ast.ClassDef):
                self._class(info, node, "")
        self.modules[name] = info

    def _class(self, info: _ModuleInfo, node: ast.ClassDef, prefix: str) -> None:
        qual = f"{prefix}{node.name}"
        bases, args = [], []
        for b in node.bases:
            target = b.value if isinstance(b, ast.Subscript) else b
            d = _dotted(target)
            if d is None:
                continue
            bases.append(info.resolve_local(d) if not prefix else self._nested(info, d, prefix))
            sub: list[str] = []
            if isinstance(b, ast.Subscript):
                elts = b.slice.elts if isinstance(b.slice, ast.Tuple) else [b.slice]
                for e in elts:
                    de = _dotted(e)
                    if de:
                        sub.append(info.resolve_local(de))
            args.append(tuple(sub))
        attrs: dict[str, Any] = {}
        defined: set[str] = set()
        abstract: set[str] = set()
        for item in node.body:
            if isinstance(item, ast.Assign):
                for t in item.targets:
                    if isinstance(t, ast.Name):
                        defined.add(t.id)
                        attrs[t.id] = _literal(item.value)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                if item.value is not None:
                    defined.add(item.target.id)
                    attrs[item.target.id] = _literal(item.value)
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(_is_abstract_decorator(d) for d in item.decorator_list):
                    abstract.add(item.name)
                else:
                    defined.add(item.name)
            elif isinstance(item, ast.ClassDef):
                defined.add(item.name)
        cls = SourceClass(info.name, qual, info.file, node.lineno, tuple(bases), tuple(args),
                          {k: v for k, v in attrs.items() if v is not _NOT_LITERAL},
                          frozenset(defined), frozenset(abstract))
        info.classes.setdefault(qual, cls)
        for item in node.body:
            if isinstance(item, ast.ClassDef):
                self._class(info, item, f"{qual}.")

    def _nested(self, info: _ModuleInfo, dotted: str, prefix: str) -> str:
        # A base named inside a class body may be a sibling nested class (Aggregate.Event).
        outer = prefix.rstrip(".")
        if f"{outer}.{dotted.split('.', 1)[0]}" in info.classes:
            return f"{info.name}.{outer}.{dotted}"
        return info.resolve_local(dotted)

    # -- queries ------------------------------------------------------------------------------
    def classes(self) -> Iterator[SourceClass]:
        for info in self.modules.values():
            yield from info.classes.values()

    def named(self, name: str) -> list[SourceClass]:
        """Classes whose own name (last part of the qualname) is ``name``."""
        return [c for c in self.classes() if c.name == name]

    def lookup(self, dotted: str, depth: int = 0) -> SourceClass | str | None:
        """A scanned class (following re-exports between scanned modules), else the dotted name
        of something outside the scanned code, else None (a scanned module lacks it)."""
        if depth > 20:
            return None
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:i])
            info = self.modules.get(mod)
            if info is None:
                continue
            rest = ".".join(parts[i:])
            if rest in info.classes:
                return info.classes[rest]
            head, _, tail = rest.partition(".")
            if head in info.imports:
                target = info.imports[head] + (f".{tail}" if tail else "")
                return self.lookup(target, depth + 1)
            if f"{mod}.{head}" in self.modules and tail:
                return self.lookup(f"{mod}.{rest}", depth + 1)
            return None
        return dotted

    def external(self, dotted: str) -> Any:
        """The library object a dotted name outside the scanned code refers to, or None.

        Imports only library packages (``eventsourcing`` and friends, stdlib typing/abc) or
        modules already imported, and never a module whose file lies under a scanned folder.
        """
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:i])
            if not self._may_import_library(mod):
                continue
            try:
                obj: Any = importlib.import_module(mod)
            except Exception:  # noqa: BLE001 - a missing optional dependency, etc.
                continue
            for p in parts[i:]:
                obj = getattr(obj, p, None)
                if obj is None:
                    break
            if obj is not None:
                return obj
        if parts[0] == "builtins" and len(parts) == 2:
            import builtins

            return getattr(builtins, parts[1], None)
        return None

    def _may_import_library(self, module: str) -> bool:
        top = module.split(".", 1)[0]
        if module in self.modules or top in self.modules:
            return False
        if module not in sys.modules and top not in _LIBRARY_TOPS:
            return False
        m = sys.modules.get(module)
        origin = getattr(m, "__file__", None) if m is not None else None
        if origin is None and m is None:
            try:
                spec = importlib.util.find_spec(top)
            except (ImportError, ValueError):
                return False
            origin = spec.origin if spec else None
        if origin:
            p = Path(origin).resolve()
            if any(p.is_relative_to(r) for r in self.roots):
                return False
        return True

    def derives_from(self, cls: SourceClass | str, target: type, _depth: int = 0) -> bool:
        """Whether ``cls`` (scanned, or a dotted name) has ``target`` among its bases."""
        if _depth > 50:
            return False
        if isinstance(cls, str):
            found = self.lookup(cls)
            if found is None:
                return False
            if isinstance(found, str):
                obj = self.external(found)
                return isinstance(obj, type) and issubclass(obj, target)
            cls = found
        key = (cls.dotted, id(target))
        if key in self._subclass_cache:
            return self._subclass_cache[key]
        self._subclass_cache[key] = False  # cycle guard
        ok = any(self.derives_from(b, target, _depth + 1) for b in cls.bases)
        self._subclass_cache[key] = ok
        return ok

    def abstract_methods(self, cls: SourceClass | str) -> set[str]:
        """The abstract methods left unimplemented (as ``inspect.isabstract`` would see)."""
        return self._names(cls, 0)[0]

    def _names(self, cls: SourceClass | str, depth: int) -> tuple[set[str], set[str]]:
        """(abstract names, concrete names) of a class, along its bases."""
        if depth > 50:
            return set(), set()
        if isinstance(cls, str):
            found = self.lookup(cls)
            if isinstance(found, SourceClass):
                cls = found
            else:
                obj = self.external(found) if isinstance(found, str) else None
                if not isinstance(obj, type):
                    return set(), set()
                abstract = set(getattr(obj, "__abstractmethods__", ()) or ())
                return abstract, {n for n in dir(obj) if n not in abstract}
        abstract_in: set[str] = set()
        concrete_in: set[str] = set()
        for b in cls.bases:
            a, c = self._names(b, depth + 1)
            abstract_in |= a
            concrete_in |= c
        abstract = (abstract_in - concrete_in - cls.defined) | set(cls.abstract_here)
        return abstract, (concrete_in | cls.defined) - set(cls.abstract_here)

    def subclasses_of(self, target: type, *, concrete: bool = False) -> list[SourceClass]:
        out = [c for c in self.classes() if self.derives_from(c, target)]
        if concrete:
            out = [c for c in out if not self.abstract_methods(c)]
        return out

    def attribute(self, cls: SourceClass, name: str, _depth: int = 0) -> Any:
        """A literal class attribute, looked up along scanned bases; ``_NOT_FOUND`` if unknown."""
        if name in cls.attrs:
            return cls.attrs[name]
        if name in cls.defined or _depth > 50:
            return NOT_FOUND
        for b in cls.bases:
            found = self.lookup(b)
            if isinstance(found, SourceClass):
                v = self.attribute(found, name, _depth + 1)
            elif isinstance(found, str):  # a library class: its own value
                v = getattr(self.external(found), name, NOT_FOUND)
            else:
                v = NOT_FOUND
            if v is not NOT_FOUND:
                return v
        return NOT_FOUND


NOT_FOUND: Any = object()


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements at module level, including those inside ``if``/``try`` blocks."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level(node.body)
            for h in node.handlers:
                yield from _module_level(h.body)
            yield from _module_level(node.orelse)
            yield from _module_level(node.finalbody)
        else:
            yield node
