"""Tests of the EMS gateway vendor."""
