"""Identity resolution: comparisons, the engine (the one module that imports Splink), clustering."""
