"""Reading and writing the interchange format (streaming, validated), without the database."""
