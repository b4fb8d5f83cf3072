"""Training the built-in generator: world-clip streams (``data``), resumable checkpoints with EMA
(``state``), the run's typed config and presets (``config``), DDP (``distributed``), the two stages
(``autoencoder_stage``, then ``dit_stage`` on its latents), the generator export (``export``) and the
periodic evaluator scores (``probe``). ``generation.train`` is the entry point."""
