"""The command line, ``python -m sparsecert``: its file I/O so far (the commands are in ``sparsecert.__main__``)."""
