"""packbill: billing of prepaid resource packages for a video-AI cloud."""

__version__ = "0.1.0"
