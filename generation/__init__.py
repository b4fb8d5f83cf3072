"""Everything that makes pixels: the procedural world, autoencoder, diffusion transformer, samplers, video I/O."""
