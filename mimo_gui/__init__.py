"""mimo-gui: let a vision-language model operate real screens."""

__version__ = "0.1.0"
