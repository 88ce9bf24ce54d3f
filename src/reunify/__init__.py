"""reunify: a system of record that keeps separated families findable and reunites them."""

__version__ = "0.1.0"
