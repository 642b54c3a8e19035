"""rnntrace's internals: everything the public API (``rnntrace.__all__``, docs/api.md) and the
command line are built from. Nothing here is a promise; names and modules may change between
releases. The layers and the direction of imports between them are in docs/architecture.md."""
