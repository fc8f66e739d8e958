"""amlaudit: policy-as-code scanner for Azure Machine Learning network isolation."""

__version__ = "0.1.0"
