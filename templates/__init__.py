"""Policy files, statement layouts and input-file templates, shipped as ``zhengkedai.templates``."""
