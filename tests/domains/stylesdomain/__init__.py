"""Aggregate styles the library documents, for the every-style replay tests (test_replay_styles).

``values`` holds the value kinds state can carry (sets, tuples, enums, Decimal, date/datetime
with offsets, UUID, bytes, nested dataclasses and pydantic models) and the transcodings the
applications register for them; each other module is one style with its application class.
"""
