"""zhengkedai: the ledger of Zhengzhou's science-tech loan risk-compensation programme (郑科贷)."""

__version__ = "0.1.0"
