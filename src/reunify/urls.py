"""URL root. Pages and the API live in ``reunify.web``."""

from django.urls import include, path

urlpatterns = [
    path("", include("reunify.web.urls")),
]
