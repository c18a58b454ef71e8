from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "yilian.workflow"
    label = "workflow"
