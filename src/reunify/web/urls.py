"""Routes of the web UI and the REST API."""

urlpatterns: list = []
