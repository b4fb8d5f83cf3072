"""Turning reference films and documents into memory items."""
