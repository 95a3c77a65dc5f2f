"""The repository's sources: the record schema, YAML reading, station records and their checks, privacy, the record
cache, the repository loader, rule tests, scaffolding and the canonical format.

Imports only language/ and errors.py below it (tests/test_layers.py).
"""
