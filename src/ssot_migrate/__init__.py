"""ssot-migrate: resolve, audit and migrate fragmented imports of a symbol."""

__version__ = "0.1.0"
