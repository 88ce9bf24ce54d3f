"""URL root. Pages and the API live in ``reunify.web``."""

from django.urls import include, path

urlpatterns = [
    path("", include("reunify.web.urls")),
]

handler400 = "reunify.web.views.errors.bad_request"
handler403 = "reunify.web.views.errors.permission_denied"
handler404 = "reunify.web.views.errors.not_found"
handler500 = "reunify.web.views.errors.server_error"
