from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "yilian.workflow"
    label = "workflow"

    def ready(self) -> None:
        from yilian.files import access

        from . import checks  # noqa: F401  (registers the system checks)
        from .models import BusinessRequest
        from .selectors import may_attach_files, may_read_files

        access.register(BusinessRequest, access.Policy(may_read_files, may_attach_files))
