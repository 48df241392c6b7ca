"""CBOR well-formedness and the v2 map's framing (RFC 8949; spec 4.2), as the client needs it.

cbor2 decodes leniently (it ignores bytes after the item, strips tags, keeps the last of repeated
keys), so the framing is walked here, by hand, before the body is decoded.
"""

from __future__ import annotations

import cbor2

_ARGUMENT_BYTES = {24: 1, 25: 2, 26: 4, 27: 8}
_BREAK = 0xFF


def _cbor_head(blob: bytes, pos: int) -> tuple[int, int | None, int]:
    """(major type, argument or None for indefinite length, next position) of the item at pos."""
    if pos >= len(blob):
        raise ValueError(f"truncated at byte {pos}")
    major, info = blob[pos] >> 5, blob[pos] & 0x1F
    if info < 24:
        return major, info, pos + 1
    if info == 31 and major in (2, 3, 4, 5):
        return major, None, pos + 1
    size = _ARGUMENT_BYTES.get(info)
    if size is None or pos + 1 + size > len(blob):
        raise ValueError(f"bad or truncated head at byte {pos}")
    argument = int.from_bytes(blob[pos + 1 : pos + 1 + size], "big")
    return major, argument, pos + 1 + size


def _cbor_item_end(blob: bytes, pos: int, notes: list[str]) -> int:
    """Where the CBOR item at ``pos`` ends; tags and bad map keys are noted on the way."""
    start = pos
    major, argument, pos = _cbor_head(blob, pos)
    if major == 6:
        notes.append(f"CBOR tag {argument} at byte {start}")
        return _cbor_item_end(blob, pos, notes)
    if major in (2, 3):
        if argument is None:  # indefinite length: definite chunks of the same type up to a break
            while blob[pos : pos + 1] != bytes([_BREAK]):
                chunk_major, chunk_size, _ = _cbor_head(blob, pos)
                if chunk_major != major or chunk_size is None:
                    raise ValueError(f"bad chunk of an indefinite string at byte {pos}")
                pos = _cbor_item_end(blob, pos, notes)
            return pos + 1
        if pos + argument > len(blob):
            raise ValueError(f"string at byte {start} runs past the end")
        return pos + argument
    if major in (4, 5):
        return _cbor_container_end(blob, pos, major == 5, argument, notes)
    return pos  # integers, simple values and floats end with their head


def _cbor_container_end(
    blob: bytes, pos: int, is_map: bool, count: int | None, notes: list[str]
) -> int:
    """The end of an array's items or a map's pairs (up to a break if ``count`` is None)."""
    keys: set[str] = set()
    done = 0
    while _cbor_more(blob, pos, count, done):
        key_start = pos
        pos = _cbor_item_end(blob, pos, notes)
        if is_map:
            _note_key(blob[key_start:pos], keys, notes)
            pos = _cbor_item_end(blob, pos, notes)
        done += 1
    return pos + 1 if count is None else pos


def _cbor_more(blob: bytes, pos: int, count: int | None, done: int) -> bool:
    if count is not None:
        return done < count
    if pos >= len(blob):
        raise ValueError("indefinite-length container without a break")
    return blob[pos] != _BREAK


def _note_key(raw: bytes, seen: set[str], notes: list[str]) -> None:
    """Map keys are text (spec 4.2) and distinct (RFC 8949 section 5.6)."""
    try:
        key = cbor2.loads(raw)
    except Exception:  # well-formed but not decodable (e.g. text that is not UTF-8)
        key = raw
    if raw[0] >> 5 != 3 or not isinstance(key, str):
        notes.append(f"CBOR map key {key!r} is not text")
    elif key in seen:
        notes.append(f"CBOR map key {key!r} appears twice")
    else:
        seen.add(key)


def cbor_framing(blob: bytes) -> list[str]:
    """What makes ``blob`` other than one CBOR data item of the spec's plain types, if anything;
    ValueError when it does not even start with a well-formed item.

    An application/cbor body is a single encoded data item (RFC 8949 section 9.3; several
    would be application/cbor-seq, RFC 8742), and cbor2.loads ignores whatever follows it.
    Spec 4.2 gives every value's major type, so a tag (major type 6; even the self-describe
    tag 55799, which cbor2 strips silently) is none of them; map keys are text
    (docs/spec.md#response-v2) and distinct (RFC 8949 section 5.6). Indefinite lengths are valid
    CBOR and the spec does not rule them out, so they pass.
    """
    notes: list[str] = []
    try:
        end = _cbor_item_end(blob, 0, notes)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if end != len(blob):
        notes.append(f"{len(blob) - end} byte(s) after the one CBOR data item: {blob[end:][:8]!r}")
    return notes
