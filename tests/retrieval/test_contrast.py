"""Contrast vectors (out-of-scope service descriptions) are built with the index and checked on load."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.contrast import contrast_texts, read_contrast, write_contrast


def test_stored_vectors_are_used_only_for_the_texts_they_were_built_from(tmp_path):
    texts = ["家庭ごみの収集日", "住民票の写し"]
    vectors = np.eye(2, 4, dtype=np.float32)
    assert read_contrast(tmp_path, texts) is None  # an index built before contrast vectors existed
    write_contrast(tmp_path, texts, vectors)
    assert np.array_equal(read_contrast(tmp_path, texts), vectors)
    assert read_contrast(tmp_path, [*texts, "選挙の投票所"]) is None  # the topics file changed since the build


@pytest.mark.slow
def test_the_real_index_carries_one_vector_per_topic(runtime):
    contrast = runtime.index.contrast
    assert contrast is not None and contrast.shape == (len(contrast_texts()), runtime.encoder.dim)
    assert np.allclose(np.linalg.norm(contrast, axis=1), 1.0, atol=1e-3)  # normalised like the rows
