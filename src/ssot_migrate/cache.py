"""Per-file facts cached by content hash, so an unchanged tree is never parsed twice.

One pickle per (facts format, interpreter) holds every entry; a corrupt or foreign file is
ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

from ssot_migrate import workspace
from ssot_migrate.facts import ModuleFacts, ParseFailure

FACTS_FORMAT = 1
CACHE_DIR_NAME = ".ssot-migrate-cache"

Entry = ModuleFacts | ParseFailure


def content_key(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class FactsCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        tag = f"py{sys.version_info.major}{sys.version_info.minor}"
        self.folder = root / CACHE_DIR_NAME
        self.path = self.folder / f"facts-v{FACTS_FORMAT}-{tag}.pickle"
        self.enabled = enabled
        self._entries: dict[bytes, Entry] = self._load() if enabled else {}
        self._dirty = False

    def _load(self) -> dict[bytes, Entry]:
        try:
            data = workspace.read_bytes(self.path)
            entries = pickle.loads(data)
        except Exception:  # missing, truncated or written by another version: rebuild
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, key: bytes) -> Entry | None:
        return self._entries.get(key)

    def put(self, key: bytes, entry: Entry) -> None:
        if self.enabled:
            self._entries[key] = entry
            self._dirty = True

    def save(self) -> None:
        """Write the cache if anything was added; a cache that cannot be written is skipped."""
        if not (self.enabled and self._dirty):
            return
        try:
            workspace.ensure_cache_dir(self.folder)
            workspace.write_atomic(self.path, pickle.dumps(self._entries, protocol=5))
        except OSError:
            return
        self._dirty = False
