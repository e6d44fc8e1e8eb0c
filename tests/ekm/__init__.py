"""Tests of the EKM vendor."""
