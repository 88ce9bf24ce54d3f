from django.apps import AppConfig


class ReunifyConfig(AppConfig):
    name = "reunify"
    verbose_name = "reunify"
    default_auto_field = "django.db.models.BigAutoField"
