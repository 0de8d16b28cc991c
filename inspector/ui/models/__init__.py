"""Qt item models adapting the core's plain data (no store access on the UI thread)."""
