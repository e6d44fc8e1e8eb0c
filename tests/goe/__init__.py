"""Tests of the go-eCharger vendor."""
