"""The ``reunify`` command line. Each module here with a ``register(subparsers)`` is a command."""
