from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yilian.accounts"
    label = "accounts"
