"""The rule language, pure: grammar, syntax tree, parser, static checks, rule sets, evaluation, highlighting.

Nothing of the repository is read here (only the package's own grammar.lark), and nothing here imports from
records/, site/ or commands/ (tests/test_layers.py).
"""
