"""The project's own simulator of a zero-tolerance season: synthetic people only."""
