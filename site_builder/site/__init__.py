"""The website: pages, page assembly, the MkDocs plugin, rendering, page cache, search index, provenance, PDF, open
data, preview, sharding and publishing.

Imports only records/, language/ and errors.py below it (tests/test_layers.py).
"""
