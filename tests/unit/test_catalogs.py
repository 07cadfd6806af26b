"""The catalogs hold every message the code and the templates mark, each one translated."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from trustledger.i18n.catalogs import LOCALE_DIR, LOCALES, SOURCE_LANGUAGE

ROOT = Path(__file__).parents[2]
SOURCES = ROOT / "src" / "trustledger"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> dict[str | tuple[str, ...], str]:
    """Every marked message, as Babel's extractors find it with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str | tuple[str, ...], str] = {}
    for file, line, message, _, _ in extract_from_dir(str(SOURCES), method_map, options_map):
        key = message if isinstance(message, str) else tuple(message)
        found.setdefault(key, f"{file}:{line}")
    return found


def catalogs() -> dict[str, Path]:
    return {
        name: LOCALE_DIR / name / "LC_MESSAGES" / "messages.po"
        for language, name in LOCALES.items()
        if language is not SOURCE_LANGUAGE
    }


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def test_each_language_but_the_source_has_a_catalog() -> None:
    assert sorted(catalogs()) == ["zh_Hans"]
    for path in catalogs().values():
        assert path.is_file(), path


def test_every_marked_message_is_in_every_catalog() -> None:
    found = extracted()
    assert len(found) > 200  # the extraction reads the templates, not nothing
    for name, path in catalogs().items():
        ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in entries(read(path))}
        missing = [f"{where}: {key!r}" for key, where in found.items() if key not in ids]
        assert missing == [], f"{name}: not in the catalog (run `make catalogs`):\n" + "\n".join(
            missing
        )
        stale = sorted(str(key) for key in ids if key not in found)
        assert stale == [], f"{name}: no longer used: {stale}"


def test_every_catalog_entry_is_translated_with_the_same_placeholders() -> None:
    for name, path in catalogs().items():
        for m in entries(read(path)):
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            assert all(s.strip() for s in strings), f"{name}: untranslated: {m.id!r}"
            assert not m.fuzzy, f"{name}: marked fuzzy: {m.id!r}"
            wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
            for s in strings:
                # A plural's "num" may be left out where the language says the count in words.
                assert set(PLACEHOLDER.findall(s)) <= wanted, (name, m.id, s)
                assert set(PLACEHOLDER.findall(ids[0])) - {"num"} <= set(PLACEHOLDER.findall(s)), (
                    name,
                    m.id,
                    s,
                )


def test_the_compiled_catalogs_are_built_from_the_sources() -> None:
    for path in catalogs().values():
        compiled = io.BytesIO()
        write_mo(compiled, read(path))
        mo = path.with_suffix(".mo")
        assert mo.is_file(), f"{mo} is missing: `make install` compiles the catalogs"
        assert mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run `make`"
