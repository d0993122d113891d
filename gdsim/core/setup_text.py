"""A set-up as one short line of text, to paste into a chat, an e-mail or a slide.

What a TensorFlow Playground URL does for gdsim: ``gdsim:1:`` followed by the minified JSON of
``AppState.to_dict()``, zlib-compressed and base64url-encoded (no padding). The version after
``gdsim:`` lets a later gdsim change the form and still say what an old line is.

Decoding refuses with one line naming what is wrong: another prefix, a newer version, damaged
or cut text, a payload that would unpack to more than ``MAX_UNPACKED`` bytes (a zip bomb is
refused after reading at most that much), and any invalid field (its path). Line breaks and
spaces that mail programs insert are ignored.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib

from gdsim.core.json_document import DocumentError, parse_json
from gdsim.core.state import AppState, StateError

SCHEME = "gdsim"
VERSION = 1
PREFIX = f"{SCHEME}:{VERSION}:"
MAX_UNPACKED = 1_000_000
"""A state is about a kilobyte of JSON; unpacking stops (and refuses) past this."""
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
MAX_TEXT = 200_000
"""Longer pasted text is refused before decoding."""


class SetupTextError(ValueError):
    """Text that is not a usable set-up; the message is the one line to show."""


def encode_setup(state: AppState) -> str:
    """The one-line text form of ``state``."""
    data = json.dumps(state.to_dict(), separators=(",", ":"), allow_nan=False)
    packed = zlib.compress(data.encode("utf-8"), 9)
    return PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_setup(text: str) -> AppState:
    """The state in a set-up line, or ``SetupTextError`` saying in one line why not."""
    if len(text) > MAX_TEXT:
        raise SetupTextError(f"too long for a set-up ({len(text)} characters)")
    compact = re.sub(r"\s+", "", text)
    if not compact:
        raise SetupTextError("the text is empty")
    scheme, _, rest = compact.partition(":")
    version, _, payload = rest.partition(":")
    if scheme != SCHEME or not re.fullmatch(r"[0-9]{1,6}", version):
        raise SetupTextError(f'not a gdsim set-up (it should start with "{PREFIX}")')
    if int(version) > VERSION:
        raise SetupTextError(
            f"made by a newer gdsim (set-up version {version}; this one reads up to {VERSION})"
        )
    if int(version) < 1:
        raise SetupTextError(f"set-up version {version} does not exist")
    if not payload:
        raise SetupTextError("cut short: nothing follows the prefix (copy the whole line)")
    if not BASE64URL.fullmatch(payload):
        raise SetupTextError("damaged: it has characters a set-up never holds")
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except binascii.Error:  # a length no base64 text has: a character lost
        raise SetupTextError("cut short or damaged: copy the whole line") from None
    data = _unpack(packed)
    try:
        document = parse_json(data.decode("utf-8"))
        return AppState.from_dict(document)
    except UnicodeDecodeError:
        raise SetupTextError("damaged: the unpacked data is not text") from None
    except (DocumentError, StateError) as error:
        raise SetupTextError(str(error)) from None


def _unpack(packed: bytes) -> bytes:
    """Decompress at most MAX_UNPACKED bytes; more, or an incomplete stream, is refused."""
    unpacker = zlib.decompressobj()
    try:
        data = unpacker.decompress(packed, MAX_UNPACKED + 1)
    except zlib.error:
        raise SetupTextError("damaged: the text was changed or mistyped") from None
    if len(data) > MAX_UNPACKED or unpacker.unconsumed_tail:
        raise SetupTextError(f"unpacks to more than {MAX_UNPACKED // 1000} kB: not a set-up")
    if not unpacker.eof:
        raise SetupTextError("cut short: copy the whole line")
    if unpacker.unused_data:
        raise SetupTextError("damaged: text follows the end of the set-up")
    return data
