"""The rule language, pure: grammar, syntax tree, parser, static checks, rule sets, evaluation, highlighting.

No file is read here and nothing here imports from records/, site/ or commands/ (tests/test_layers.py).
"""
