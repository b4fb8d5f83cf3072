"""The evaluator and the quality figures measured through it.

``evaluator`` holds the network and its safetensors checkpoint, ``clip_input`` how any clip becomes
its input, ``motion`` the local motion it reads between film frames, ``train_evaluator`` (with ``clip_source`` and ``augment``) how it learns the procedural
world, ``metrics`` attribute accuracy / temporal consistency / Fréchet distance, and ``score`` the
per-attribute verdict of one clip against one prompt (``reelgraph eval``). ``quality`` holds the
held-out generation prompts and set scores, ``quality_run`` one whole generator measurement
(``bench/quality.py``, and the periodic scores of ``generation.training.probe``), ``seams`` the jump
at window joins of long generations.
"""
