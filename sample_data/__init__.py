"""The demo year's bank files, shipped as ``zhengkedai.sample_data``."""
