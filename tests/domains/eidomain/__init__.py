"""Test domain models for the replay engine (on sys.path via ``--path tests/domains``)."""
