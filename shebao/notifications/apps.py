from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shebao.notifications"
    label = "notifications"
    verbose_name = "消息通知"
