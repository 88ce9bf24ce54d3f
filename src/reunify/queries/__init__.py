"""Read-only questions asked of the record."""
