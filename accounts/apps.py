from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _history_at_clock(sender, instance, history_instance, **kwargs) -> None:
    """History records carry the project clock's time, like the rows they describe (the demo
    writes history that happened in the past)."""
    from core import clock

    if not hasattr(instance, "_history_date"):
        history_instance.history_date = clock.now()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Personal och enheter")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        # accounts is the lowest app with history (User); the receiver serves every app's models.
        pre_create_historical_record.connect(_history_at_clock, dispatch_uid="history_at_clock")
