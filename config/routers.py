"""A region's own database (CAAS_ROLE=regional) holds the regional app's tables and nothing else."""


class RegionalDatabase:
    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return app_label == "regional"
