"""Training the built-in generator: world-clip streams, checkpoints with EMA, and the two stages
(autoencoder, then diffusion transformer on its latents). ``generation.train`` is the entry point."""
