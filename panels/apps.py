from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "panels"
    verbose_name = "Panels and catalog"

    def ready(self) -> None:
        from panels import checks  # noqa: F401  (registers the system checks)
