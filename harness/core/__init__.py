"""Foundations every layer uses: errors, atomic file I/O, text helpers, the lazy registry."""
