"""The Alembic migrations, shipped inside the package as ``zhengkedai.migrations``."""
