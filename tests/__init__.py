"""Tests of the Energy Hub integration."""
