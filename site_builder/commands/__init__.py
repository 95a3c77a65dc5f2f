"""The command line: argument parsing (cli.py) and the modules that are only a command's glue.

The top layer: it may import from every other layer, and no other layer imports from it (tests/test_layers.py).
"""
