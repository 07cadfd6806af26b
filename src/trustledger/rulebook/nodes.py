"""YAML read as positioned nodes and checked field by field: each problem names file, line, key."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trustledger.domain.errors import Problem
from trustledger.domain.texts import LANGUAGES

T = TypeVar("T")
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_DATE = "tag:yaml.org,2002:timestamp"


class Mismatch(ValueError):
    """A value of the wrong type or shape; the message says what was expected, `line` where."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


@dataclass
class Source:
    """One YAML file being read: its name for problems, and the list problems are gathered in."""

    file: str
    problems: list[Problem]

    def report(self, line: int, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, key, message))

    def compose(self, path: Path) -> Node | None:
        """The file's single document as nodes, or None after reporting why it cannot be read."""
        try:
            text = path.read_text(encoding="utf-8")
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except (OSError, UnicodeDecodeError) as exc:
            self.report(1, "-", f"cannot read the file: {exc}")
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 if mark is not None else 1
            message = f"not valid YAML: {exc.problem or exc.context}"
            if exc.context and exc.context_mark is not None:
                message += f" ({exc.context} from line {exc.context_mark.line + 1})"
            self.report(line, "-", message)
        except yaml.YAMLError as exc:
            self.report(1, "-", f"not valid YAML: {exc}")
        return None


@dataclass
class Draft:
    """Fields read from one YAML mapping (nested ones as `restriction.days`) and their lines."""

    file: str
    key: str
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def at(self, name: str) -> int:
        return self.lines.get(name, self.line)

    def problem(self, name: str, message: str) -> Problem:
        return Problem(self.file, self.at(name), join_key(self.key, name), message)


def join_key(*parts: str) -> str:
    return ".".join(p for p in parts if p) or "-"


Reader = Callable[[Node], T]


class Section:
    """A YAML mapping checked against the keys it may hold; values go to a Draft under `prefix`."""

    def __init__(
        self,
        src: Source,
        node: Node,
        draft: Draft,
        *,
        prefix: str = "",
        allowed: Iterable[str],
        line: int | None = None,
    ) -> None:
        self.src, self.draft, self.prefix = src, draft, prefix
        # A missing key is reported where the mapping is named (`restriction:`), if it is.
        self.line = line or line_of(node)
        self.nodes: dict[str, tuple[Node, Node]] = {}
        self.is_mapping = isinstance(node, MappingNode)
        if not isinstance(node, MappingNode):
            self._report(self.line, prefix.rstrip("."), "must be a mapping of keys to values")
            return
        known = set(allowed)
        for key_node, value_node in node.value:
            name = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if name in self.nodes:
                self._report(line_of(key_node), prefix + name, "appears twice")
            elif name not in known:
                self._report(line_of(key_node), prefix + name, _unknown(name, known))
            else:
                self.nodes[name] = (key_node, value_node)

    def _report(self, line: int, name: str, message: str) -> None:
        self.src.report(line, join_key(self.draft.key, name), message)

    def has(self, name: str) -> bool:
        return name in self.nodes

    def sub(self, name: str, *, allowed: Iterable[str]) -> Section | None:
        """The nested mapping under `name`, if present; its fields land as `name.field`."""
        found = self.nodes.get(name)
        if found is None:
            return None
        full = self.prefix + name
        self.draft.lines[full] = line_of(found[0])
        self.draft.values[full] = True
        key_line = line_of(found[0])
        return Section(
            self.src, found[1], self.draft, prefix=full + ".", allowed=allowed, line=key_line
        )

    def entries(self, name: str, what: str, *, required: bool = False) -> list[tuple[int, Node]]:
        """The numbered entries of the list under `name`; a wrong or missing one is reported."""
        return self.read(name, lambda node: list(items(node, what)), required=required) or []

    def read(self, name: str, reader: Reader[T], *, required: bool = False) -> T | None:
        """The checked value of `name`, kept in the draft; None (and reported) when wrong."""
        full = self.prefix + name
        found = self.nodes.get(name)
        if found is None:
            if required and self.is_mapping:  # a non-mapping was reported once, as a whole
                self._report(self.line, full, "is required")
            return None
        key_node, value_node = found
        self.draft.lines[full] = line_of(key_node)
        try:
            value = reader(value_node)
        except Mismatch as exc:
            self._report(exc.line or line_of(value_node), full, str(exc))
            return None
        self.draft.values[full] = value
        return value


def _unknown(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown field (did you mean {close[0]}?)"
    return f"unknown field (expected one of: {', '.join(sorted(known))})"


def items(node: Node, what: str) -> Iterator[tuple[int, Node]]:
    """The entries of a YAML list, numbered from 0."""
    if not isinstance(node, SequenceNode):
        raise Mismatch(f"must be a list of {what}", line_of(node))
    yield from enumerate(node.value)


def _scalar(node: Node, tags: Iterable[str], expected: str) -> Any:
    if not isinstance(node, ScalarNode) or node.tag not in tags:
        shown = node.value if isinstance(node, ScalarNode) else "a list or mapping"
        raise Mismatch(f"must be {expected}, not {shown!r}", line_of(node))
    return SafeConstructor().construct_object(node)


def text(node: Node) -> str:
    return str(_scalar(node, [_STR], "text"))


def integer(node: Node) -> int:
    return int(_scalar(node, [_INT], "a whole number"))


def boolean(node: Node) -> bool:
    return bool(_scalar(node, [_BOOL], "true or false"))


def day(node: Node) -> date:
    value = _scalar(node, [_DATE, _STR], "a date (YYYY-MM-DD)")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise Mismatch(f"must be a date (YYYY-MM-DD), not {value!r}", line_of(node)) from exc
    if type(value) is not date:
        raise Mismatch("must be a date (YYYY-MM-DD) without a time", line_of(node))
    return value


def optional_day(node: Node) -> date | None:
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return None
    return day(node)


def plain(node: Node) -> int | float | str | bool:
    """A record attribute value: a number, text or true/false."""
    value = _scalar(node, [_INT, _FLOAT, _STR, _BOOL], "a number, text, true or false")
    assert isinstance(value, int | float | str | bool)
    return value


def pairs(node: Node, value_reader: Reader[T]) -> list[tuple[str, T]]:
    """A mapping of text keys to values, in file order."""
    if not isinstance(node, MappingNode):
        raise Mismatch("must be a mapping", line_of(node))
    seen: set[str] = set()
    result = []
    for key_node, value_node in node.value:
        key = text(key_node)
        if key in seen:
            raise Mismatch(f"{key!r} appears twice", line_of(key_node))
        seen.add(key)
        result.append((key, value_reader(value_node)))
    return result


def localized(node: Node) -> dict[str, str]:
    """A text a person reads, given per language (`{zh-Hans: …, en: …}`); the linter wants each."""
    tags = ", ".join(lang.value for lang in LANGUAGES)
    if not isinstance(node, MappingNode):
        shape = ", ".join(f"{lang.value}: …" for lang in LANGUAGES)
        raise Mismatch(f"must give the text in each language: {{{shape}}}", line_of(node))
    found = pairs(node, text)
    for (key, _), (key_node, _) in zip(found, node.value, strict=True):
        if key not in {lang.value for lang in LANGUAGES}:
            raise Mismatch(f"{key!r} is not a language (expected: {tags})", line_of(key_node))
    return dict(found)
