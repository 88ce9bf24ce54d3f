"""Server-rendered pages and the REST API."""
