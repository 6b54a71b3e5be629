from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "healthqa.community"
    label = "community"
    verbose_name = "Readers, experts and editors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The roles' groups and permissions follow the code after every migrate.
        from django.db.models.signals import post_migrate

        from healthqa.community.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, sender=self,
                             dispatch_uid="community-roles-sync")
