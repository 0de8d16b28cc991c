"""An older version of the test domain package (written stores carry class_version 1 events)."""
