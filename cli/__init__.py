"""The ``zkd`` command line: click commands, one module per subject. Thin: parse, call, print."""
