"""LoRA training, fusing and quantization with mlx-lm, with profiles and an embedded smoke model."""

__version__ = "0.1.0"
