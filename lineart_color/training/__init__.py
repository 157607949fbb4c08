"""Training machinery shared by every model: config, strategy, GAN loop, checkpoints, summaries."""
